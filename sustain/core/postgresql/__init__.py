"""Django's PostgreSQL backend with a cheaper connection health check and the hot path's
statements prepared once per connection (see ``base``)."""
