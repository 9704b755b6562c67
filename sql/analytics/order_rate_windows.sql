-- Pipeline 3: orders per sliding window, the query the course ran in Kinesis Data Analytics for SQL
-- (a 10-second window sliding every second). Event time is each record's arrival time in the
-- stream (ApproximateArrivalTimestamp); every record counts, order or not: the alarm is about the
-- rate. Parameters: :window_duration and :slide_duration (e.g. '10 seconds', '1 second').
-- Input view `order_arrivals` (arrival_time); spark_jobs/order_rate_alarm.py runs it in update
-- mode, so a window is emitted as soon as its count changes and the alarm can fire on the 10th order.
WITH arrivals AS (
    SELECT arrival_time
    FROM order_arrivals
),

windowed AS (
    SELECT
        window(arrival_time, :window_duration, :slide_duration) AS time_window,
        count(*) AS order_count,
        max(arrival_time) AS last_arrival
    FROM arrivals
    GROUP BY window(arrival_time, :window_duration, :slide_duration)
)

SELECT
    time_window.start AS window_start,
    time_window.end AS window_end,
    order_count,
    last_arrival
FROM windowed
