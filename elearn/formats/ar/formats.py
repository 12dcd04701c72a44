# Django's Arabic formats have no date-time format (it would fall back to the English one) and
# a 12-hour time with Latin AM/PM: a day, then a 24-hour time, in the Arabic order.
DATETIME_FORMAT = "j F، Y، H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y H:i"
