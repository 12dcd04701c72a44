"""Learning records to a learning record store (xAPI 1.0.3).

Services write statements to an outbox (xapi.models.Statement) in the transaction of the event
they describe (xapi.statements); a task sends what is pending, in batches, and a sweep sends
again what never left (xapi.services). Off when XAPI_LRS_URL is empty. docs/xapi.md.
"""
