"""bench/peers: weir against its peers (issue 7); run.py is the driver."""
