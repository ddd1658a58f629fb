"""The fair's meeting scheduler in its parts (haihe.fairs.scheduler is its one door):

problem.py     what it is given and answers (Problem, Participant, Request, Meeting, Schedule)
model.py       the problem in indices, the schedule under construction, start and finish
bounds.py      the degree and slot LP bounds (GLOP)
matching.py    the b-matching (CP-SAT) and the slot model as a MIP (SCIP)
search.py      Kempe swaps, ejection moves, the improvement loop, compaction
solve.py       schedule(), greedy(), exact()
check.py       check(): every broken rule of a schedule
reschedule.py  reschedule(): again after changes, keeping what can stay
"""
