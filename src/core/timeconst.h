/* timeconst.h: the one definition of calendar lengths in seconds (UTC, no leap seconds). */
#ifndef CXG_TIMECONST_H
#define CXG_TIMECONST_H

#define CXG_MINUTE 60
#define CXG_HOUR (60 * CXG_MINUTE)
#define CXG_DAY (24 * CXG_HOUR)
#define CXG_WEEK (7 * CXG_DAY)
/* A year of 365 days, for windows and decay (calendar months use model/ or engine date maths). */
#define CXG_YEAR (365 * CXG_DAY)

#endif
