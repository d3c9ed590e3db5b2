"""Does the compiled llama.cpp run on this CPU? Exit 0 if SmolLM2 evaluates a few tokens.

Run by the Makefile after installing. Why: llama-cpp-python compiles with
-march=native, and a virtual machine can advertise instructions it does not run (seen
here: AMX tiles listed in /proc/cpuinfo, SIGILL at the first matrix product). A wheel
built on another CPU and served from pip's cache fails the same way. Either kills the
process with a signal, so this runs the check in a child process and reports it.
"""

import subprocess
import sys

PROBE = """
import llama_cpp
from summarizer.models.registry import smollm2_path
llm = llama_cpp.Llama(str(smollm2_path()), n_ctx=64, n_threads=1, verbose=False)
llm.eval(llm.tokenize(b"A short test of the compiled library."))
"""

result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
if result.returncode == 0:
    print("llama.cpp runs on this CPU")
    sys.exit(0)
how = f"killed by signal {-result.returncode}" if result.returncode < 0 else f"exit {result.returncode}"
print(f"llama.cpp does not run on this CPU ({how}): {result.stderr.strip()[-400:]}", file=sys.stderr)
sys.exit(1)
