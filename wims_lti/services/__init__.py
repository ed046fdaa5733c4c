"""Business logic: keyword-only functions named <entity>_<action>, called by views, commands, tasks."""
