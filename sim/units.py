"""Units of time and effort. The model's clock ticks in whole hours; effort is counted in
minutes per action and reported in hours."""

HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
HOURS_PER_WEEK = HOURS_PER_DAY * DAYS_PER_WEEK
MINUTES_PER_HOUR = 60.0
