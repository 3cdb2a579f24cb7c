"""The demo org: a project with generated agent traces for a new user to explore."""
