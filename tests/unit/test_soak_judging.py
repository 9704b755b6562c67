"""How the soak judges memory growth (tests/reliability/soak.py): per component, the stream job left out,
a process that starts during the run counted from its first sample."""

from __future__ import annotations

from tests.reliability import procs
from tests.reliability.soak import SoakResult, _judged

MiB = 2**20
JOB = procs.STREAM_JOB + " (JVM)"


def test_growth_is_judged_per_component_without_the_stream_job():
    samples = [{"supervisor": 100 * MiB, JOB: 400 * MiB}, {"supervisor": 101 * MiB, JOB: 700 * MiB},
               {"supervisor": 102 * MiB, JOB: 300 * MiB}, {"supervisor": 130 * MiB, JOB: 900 * MiB}]
    assert _judged(samples) == (101 * MiB, 130 * MiB)  # the median of the first three, then the last


def test_a_process_started_during_the_run_counts_from_its_first_sample_and_is_listed():
    samples = [{"supervisor": 100 * MiB}, {"supervisor": 100 * MiB},
               {"supervisor": 100 * MiB, "Lambda Alarm": 35 * MiB}, {"supervisor": 100 * MiB, "Lambda Alarm": 36 * MiB}]
    baseline, final = _judged(samples)
    assert (baseline, final) == (100 * MiB + int(35.5 * MiB), 136 * MiB)  # its own first samples: 35 and 36
    result = SoakResult(rate=1, seconds=1, sent=1, failed=0, distinct=1, components=samples,
                        baseline_bytes=baseline, final_bytes=final)
    assert result.started_late() == {"Lambda Alarm"} and "Lambda Alarm: 0 -> 36 MiB (started during the run)" in result.render()


def test_a_process_that_ended_counts_as_nothing_at_the_end():
    samples = [{"supervisor": 100 * MiB, "Lambda F": 50 * MiB}] * 3 + [{"supervisor": 100 * MiB}]
    assert _judged(samples) == (150 * MiB, 100 * MiB)


def test_the_late_trend_leaves_out_a_step_in_the_first_two_thirds_and_sees_a_steady_climb():
    flat_after_step = [(t, (100 if t < 30 else 114) * MiB) for t in range(0, 90, 5)]  # +14 MiB once, at 30 s
    stepped = SoakResult(rate=100, seconds=90, sent=9000, failed=0, distinct=1, samples=flat_after_step, elapsed=90)
    assert stepped.late_trend_per_record == 0.0
    climbing = [(t, 100 * MiB + t * 1000) for t in range(0, 90, 5)]  # 1,000 B/s at 100 records/s
    leaking = SoakResult(rate=100, seconds=90, sent=9000, failed=0, distinct=1, samples=climbing, elapsed=90)
    assert abs(leaking.late_trend_per_record - 10.0) < 1e-6
