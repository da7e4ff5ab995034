# The ladder: the steps that have code, in order (lesson 00 is reading only). A step's folder
# name is the same under lessons/, exercises/, solutions/ and grader/.
set(COURSE_STEPS
  01-microtask-queue
  02-event-queue-and-timers
  03-event-loop
  04-futures
  05-errors
  06-await
  07-streams
  08-generators-and-starvation
  09-isolates-and-ports
  10-isolate-run-and-io)

# Steps whose code runs on several threads: the tsan build checks their solutions and the
# reference against their tests (DARTLOOP_COURSE_CHECK=threads).
set(COURSE_STEPS_WITH_THREADS
  09-isolates-and-ports
  10-isolate-run-and-io)
