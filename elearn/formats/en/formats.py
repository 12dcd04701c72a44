# The platform's English is international (British spelling): "6 January 2027", 24-hour times,
# not Django's American "Jan. 6, 2027, 3 p.m.".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
