"""Shapes of the marketplace API, one module per resource as in ``marketplace/api/views/``.

Output: money is integer minor units with the ISO 4217 ``currency`` beside it;
dates and times are ISO 8601. Input serializers check types and sizes only
(an amount must be an integer that fits the column); every rule of the
product (budgets above zero, deadlines in the future, milestones adding up)
lives in ``marketplace.services``, whose errors come back as field errors in
the common error body.
"""
