# kt-pwsh self-test: arguments bind like pwsh -File binds them.
param(
    [string] $Name,
    [switch] $Flag,
    [int] $Count = 1,
    [Parameter(ValueFromRemainingArguments)] [string[]] $Rest
)
"Name=$Name|Flag=$Flag|Count=$Count|Rest=$($Rest -join ',')"
