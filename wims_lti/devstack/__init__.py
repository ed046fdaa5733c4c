"""Local stack for one machine (`manage.py runstack`) and the test session: real services, started by PID."""
