"""Ray Serve deployments (and Ray remote functions) as the model: the interface, its sessions and flags stay in this
kernel while the model runs on a Ray cluster's replicas (GPUs, autoscaling).

Each row is one request, ``handle.remote(*values)``, whose answer a call waits for on the queue's worker thread; the
queue runs up to ``concurrency_limit`` such calls at once (8 by default for this kind), so requests are in flight
together instead of one after another. Many rows (``process``, an explanation's perturbations) are all sent at once
and spread over the replicas; batching inside the deployment is its own (``@serve.batch``). A call the queue gives up
on (past ``timeout=``, or cancelled by its visitor) cancels its Ray requests. An exception in the deployment fails that
call alone, with the deployment's own exception and message.
"""

from __future__ import annotations

from typing import Any

from ..abandon import on_abandon
from ._kind import ModelKind, module_roots

__all__ = ["RayDeployment"]


class RayDeployment(ModelKind):
    """A ``ray.serve.handle.DeploymentHandle`` (from ``serve.run(app)`` or ``serve.get_app_handle(name)``) or a
    ``@ray.remote`` function: one request per row."""

    name = "ray"
    order = 10
    concurrency = 8

    @classmethod
    def matches(cls, obj: Any) -> bool:
        if "ray" not in module_roots(obj) or not callable(getattr(obj, "remote", None)):
            return False
        # a deployment handle, or a remote function; not an actor class, whose .remote() starts an actor
        return hasattr(obj, "deployment_name") or type(obj).__name__ == "RemoteFunction"

    @classmethod
    def model_name(cls, obj: Any) -> str | None:
        name = getattr(obj, "deployment_name", None)  # a property of a handle; a remote function has none
        return f"Ray deployment {name}" if isinstance(name, str) else None

    def check_model(self) -> None:
        if not self.matches(self.obj):
            raise TypeError(
                "model_type='ray' needs a Ray Serve DeploymentHandle (what serve.run(app) returns) or a @ray.remote "
                f"function, got {type(self.obj).__name__}"
            )

    def call(self, *args: Any) -> Any:
        return self._gather([self.obj.remote(*args)])[0]

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        return self._gather([self.obj.remote(*row) for row in zip(*columns, strict=True)])

    def _gather(self, responses: list[Any]) -> list[Any]:
        """Each request's answer, waited for on this thread; the first failure raises, the rest are cancelled."""
        finished = on_abandon(lambda: _cancel(responses))
        try:
            results = []
            for index, response in enumerate(responses):
                try:
                    results.append(_answer(response))
                except BaseException:
                    _cancel(responses[index + 1 :])
                    raise
            return results
        finally:
            finished()


def _answer(response: Any) -> Any:
    """A request's result; an exception raised in the deployment is raised here as itself (its remote traceback
    chained for the kernel log), so the caller reads the deployment's own message."""
    import ray
    from ray.exceptions import RayTaskError

    try:
        return response.result() if hasattr(response, "result") else ray.get(response)
    except RayTaskError as error:
        cause = getattr(error, "cause", None)
        if isinstance(cause, Exception):
            raise cause from error
        raise


def _cancel(responses: list[Any]) -> None:
    for response in responses:
        if hasattr(response, "cancel"):
            response.cancel()  # a DeploymentResponse: best effort, returns at once
        else:
            import ray

            ray.cancel(response)
