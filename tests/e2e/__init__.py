"""Browser journeys (a package, so journeys can share the helpers in conftest)."""
