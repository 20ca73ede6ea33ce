-- track.lua: wrk body for single-event POST /v1/track (bench/collect.sh); the key comes from
-- the environment variable CXG_KEY. No messageId: every request stores one interaction.
local key = os.getenv("CXG_KEY")
local n = 0
local function b64(s)
  local t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((s:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return t:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. b64(key .. ":")
request = function()
  n = n + 1
  local body = string.format('{"userId":"p%d","event":"login","properties":{"value":1}}', n % 15000 + 1)
  return wrk.format(nil, "/v1/track", nil, body)
end
