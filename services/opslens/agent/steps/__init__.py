"""What the agent does for each intent: the tool calls, their evidence and the facts they prove.

Each module owns one intent (or one shared piece of work) and records into a
:class:`~opslens.agent.steps.run.Run`; :func:`execute` picks the module by the plan's intent.
"""
