# kt-pwsh self-test: pipeline output to stdout, the other streams to stderr
# with their prefixes.
function Invoke-Streams {
    [CmdletBinding()]
    param()
    $PSCmdlet.WriteWarning('careful')
    $PSCmdlet.WriteVerbose('details')
    'from the pipeline'
    [pscustomobject]@{ Room = 'lobby'; Members = 2 }
}
Invoke-Streams -Verbose
