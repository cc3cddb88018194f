"""HTML forms of the marketplace, split by topic (``marketplace.forms.tasks``, ...).

Forms only parse and shape input (amounts typed in major units, dates, tag
lists); the rules that accept or refuse a change live in ``marketplace.services``.
"""
