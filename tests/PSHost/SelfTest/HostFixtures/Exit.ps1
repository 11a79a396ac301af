# kt-pwsh self-test: `exit N` ends the script with that code.
param([int] $Code)
'before'
exit $Code
'after'
