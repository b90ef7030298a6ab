"""Writes of the service levels context, by sub-domain (import from the defining module):

- `services.lifecycle`: the conversations lifecycle hook (routing, assignment, clocks);
- `services.clocks`: SLA state, the periodic tick, recompute, breach and warning records;
- `services.assignment`: availability, capacity, skills, automatic assignment, hand-back;
- `services.escalation`: escalation and referral with a hand-off note;
- `services.requests`: internal requests between departments;
- `services.configuration`: calendars, holidays, SLA policies, routing rules, team settings.
"""
