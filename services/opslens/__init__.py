"""opslens services: agent API, reports, CLI, configuration and the local devstack."""
