"""The kernel bridge: the server's way into users' kernels, never disturbing the user.

- `channels`: shell connections of our own to a kernel, and waiting for one reply;
- `inspection`: the kernel's variables described by one silent execute (`KernelInspector`);
- `ranking`: candidates trial-run in forks of the kernel, then ranked (`KernelRanker`);
- `shipping`: the kernel-side modules sent as source in one user expression;
- `bootstrap`: what that expression runs first in the kernel, installing them as a private
  package (standard library only, Python 3.9+).

Nothing is imported here: the oldest supported environment imports `shipping` alone.
"""
