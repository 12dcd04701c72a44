"""Date formats where Django's own do not suit the platform (FORMAT_MODULE_PATH); every other
format, and every other language, is Django's.

Pages use one format per kind of date: DATE_FORMAT for a day (enrolled, completed, due, a
cohort's dates, a certificate's dates), DATETIME_FORMAT for a moment (activity, messages sent,
exports, batches).
"""
