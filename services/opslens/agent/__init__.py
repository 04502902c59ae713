"""The opslens agent: plans a question, runs the tools, correlates the evidence, answers.

The plan (:class:`opslens.agent.plan.Plan`) is the contract between understanding and
execution; :class:`opslens.agent.understanding.OfflinePlanner` produces it without a model.
"""
