"""The Jupyter server extension: the HTTP API under ``/pachinco``, thin over the rooms below.

- `app`: `PachincoApp` (its traitlets settings), the services it builds, the route table;
- `services`: `PachincoServices`, what the handlers reach as ``self.pachinco``;
- `handlers`: the handler base; `status_handlers`, `generate_handlers`, `completion_handlers`,
  `history_handlers`: one group of routes each, ending with its route list; `ndjson`: the
  streaming half they share;
- `validation`, `completion_validation`: request bodies read strictly;
- `generation`, `stream_lines`, `shared_assistant`, `sessions`: the work behind ``/generate``
  and ``/prompt``; `completion_service`, `completion_model`: behind ``/complete``;
- `kernels`: the kernel bridge (inspection, trial-run ranking, kernel-side code shipping).
"""
