"""The repair stage (placeholder until its issue lands: does nothing yet)."""


def run(docs, ctx):
    return None
