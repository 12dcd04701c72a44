"""The LTI tool's services: launch (identity, cohort, target), the roster (NRPS), deep linking
and the sending of scores (AGS). What other apps' services call, in their own transaction, is
in lti/scores.py."""
