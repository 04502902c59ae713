"""What several parts of opslens share, below all of them: the chat model (the agent's answers
and the reports' summaries), the languages it speaks, and the devstack's env file (read by
every command)."""
