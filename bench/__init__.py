"""Province-scale benchmarks: synthetic data, a real gunicorn server, wrk at 16 clients. See README.md."""
