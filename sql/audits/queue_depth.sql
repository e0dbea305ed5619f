-- How many jobs are in each state, and the age of the oldest.
SELECT state, jobs, oldest_age FROM queue_depth
