# The ladder: the steps that have code, in order (lesson 00 is reading only). A step's folder
# name is the same under lessons/, exercises/, solutions/ and grader/.
set(COURSE_STEPS
  01-microtask-queue
  02-event-queue-and-timers
  03-event-loop
  04-futures)
