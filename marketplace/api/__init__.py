"""The marketplace API: tasks, bids, comparison, messaging threads and the supplier directory."""
