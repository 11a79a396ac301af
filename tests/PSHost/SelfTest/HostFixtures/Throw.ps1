# kt-pwsh self-test: a terminating error ends the script with 1.
'before'
throw 'boom from script'
