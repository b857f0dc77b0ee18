"""A session's worker: jobs in order on a thread of its own, backpressure instead of an unbounded queue, and an end."""

from __future__ import annotations

import asyncio
import threading

from nbshare.server.worker import SessionWorker

from page_client import run


def test_jobs_run_in_order_one_at_a_time_off_the_submitting_thread() -> None:
    worker = SessionWorker("nbshare-visitor-test-order")
    ran: list[tuple[int, str]] = []
    done = threading.Event()
    for n in range(200):
        worker.submit(lambda n=n: ran.append((n, threading.current_thread().name)))
    worker.submit(done.set)
    assert done.wait(10)
    assert [n for n, _ in ran] == list(range(200))
    assert {name for _, name in ran} == {"nbshare-visitor-test-order"}
    worker.close()


def test_a_page_that_sends_faster_than_its_handlers_run_is_paused_not_queued_without_bound() -> None:
    worker = SessionWorker("nbshare-visitor-test-pause", max_waiting_messages=5, max_waiting_bytes=1000)
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    async def page() -> list[bool]:
        worker.submit(lambda: (started.set(), release.wait(10)))
        assert started.wait(10)
        paused = []
        for n in range(8):
            waiting = worker.submit(lambda n=n: ran.append(n), size=10)
            paused.append(waiting is not None)
        big = worker.submit(lambda: ran.append(99), size=5000)  # too many bytes at once: wait too
        assert big is not None and not big.done()
        release.set()
        await asyncio.wait_for(big, 10)  # resolves once the jobs drained below the budget
        return paused

    paused = run(page())  # on a thread of its own: a browser test may hold this thread's event loop
    assert paused == [False] * 5 + [True] * 3  # the sixth waiting job is one too many
    worker.close()
    assert ran[:8] == list(range(8))


def test_closing_drops_what_waits_and_ends_the_thread_once_the_running_job_returns() -> None:
    worker = SessionWorker("nbshare-visitor-test-close")
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    worker.submit(lambda: (started.set(), release.wait(10), ran.append("running")))
    worker.submit(lambda: ran.append("waiting"))
    assert started.wait(10)
    thread = worker.thread
    worker.close()
    release.set()
    assert thread is not None
    thread.join(10)
    assert not thread.is_alive() and ran == ["running"]
    assert worker.submit(lambda: ran.append("after")) is None and worker.thread is None


def test_many_sessions_each_under_its_own_budget_are_paused_together_past_the_total(monkeypatch) -> None:
    from nbshare.server import worker as module

    monkeypatch.setattr(module, "MAX_TOTAL_WAITING_BYTES", 3000)
    release = threading.Event()
    workers = [SessionWorker(f"nbshare-visitor-test-total-{n}", max_waiting_bytes=10_000) for n in range(5)]

    async def pages() -> list[bool]:
        paused = []
        for worker in workers:
            worker.submit(lambda: release.wait(10))  # each worker busy, so what follows waits
            paused.append(worker.submit(lambda: None, size=1000) is not None)  # 1,000 each: under its own 10,000
        release.set()
        return paused

    paused = run(pages())
    assert paused == [False, False, False, True, True]  # past 3,000 in all, the next pages wait for their own workers
    for worker in workers:
        worker.close()
    assert module.total_waiting_bytes() == 0
