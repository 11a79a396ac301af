# Reporting: a TAP-style line per test as it completes (the project's tier
# convention), failure details as '#' lines under it, and a JUnit XML file.

function Write-MPLine {
    param([string] $Text)
    if (-not $script:MPState.Quiet) { [Console]::Out.WriteLine($Text) }
}

# One line, so a message cannot break the line-based tier format.
function ConvertTo-MPSingleLine {
    param([string] $Text)
    ($Text -replace '\s+', ' ').Trim()
}

function Format-MPErrorDetails {
    param([System.Management.Automation.ErrorRecord] $ErrorRecord)

    # The message is on the "not ok" line already (flattened); repeat it only
    # when it has several lines. Stack frames of MiniPester itself say nothing
    # about the spec, so only the spec's frames are kept.
    $lines = [System.Collections.Generic.List[string]]::new()
    $message = $ErrorRecord.Exception.Message
    if ($message -match '\n') { $lines.Add($message) }
    if ($null -ne $ErrorRecord.InvocationInfo -and $ErrorRecord.InvocationInfo.PositionMessage) {
        $lines.Add($ErrorRecord.InvocationInfo.PositionMessage)
    }
    $moduleRoot = [System.IO.Path]::GetDirectoryName($PSScriptRoot)
    foreach ($frame in ($ErrorRecord.ScriptStackTrace -split '\r?\n')) {
        if ($frame -and -not $frame.Contains($moduleRoot) -and -not $frame.Contains('<No file>')) { $lines.Add($frame) }
    }
    $lines -join [Environment]::NewLine
}

function Write-MPTestLine {
    param([int] $Number, [object] $Test)

    $path = Get-MPPath $Test
    switch ($Test.Result) {
        'Passed' { Write-MPLine "ok $Number - $path" }
        'Skipped' {
            $why = if ($Test.Message) { " $(ConvertTo-MPSingleLine $Test.Message)" } else { '' }
            Write-MPLine "ok $Number - $path # SKIP$why"
        }
        default {
            Write-MPLine "not ok $Number - $path # $(ConvertTo-MPSingleLine $Test.Message)"
            foreach ($line in ($Test.Details -split '\r?\n')) {
                if ($line.Trim()) { Write-MPLine "#   $line" }
            }
        }
    }
}

# JUnit XML as CI systems read it: a testsuite per spec file, a testcase per
# It (classname = the Describe/Context path), <failure>/<skipped> inside.
function Export-MPJUnit {
    param([string] $Path, [object[]] $Tests, [TimeSpan] $Elapsed)

    $directory = [System.IO.Path]::GetDirectoryName([System.IO.Path]::GetFullPath($Path))
    if ($directory) { $null = [System.IO.Directory]::CreateDirectory($directory) }

    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $seconds = { param($t) $t.TotalSeconds.ToString('0.000', [System.Globalization.CultureInfo]::InvariantCulture) }
        $writer.WriteStartElement('testsuites')
        $writer.WriteAttributeString('name', 'MiniPester')
        $writer.WriteAttributeString('tests', [string]$Tests.Count)
        $writer.WriteAttributeString('failures', [string]@($Tests | Where-Object Result -EQ 'Failed').Count)
        $writer.WriteAttributeString('skipped', [string]@($Tests | Where-Object Result -EQ 'Skipped').Count)
        $writer.WriteAttributeString('time', (& $seconds $Elapsed))

        $files = [System.Collections.Generic.List[string]]::new()
        foreach ($t in $Tests) { if (-not $files.Contains($t.Block.File)) { $files.Add($t.Block.File) } }
        foreach ($file in $files) {
            $suite = @($Tests | Where-Object { $_.Block.File -eq $file })
            $writer.WriteStartElement('testsuite')
            $writer.WriteAttributeString('name', $file)
            $writer.WriteAttributeString('tests', [string]$suite.Count)
            $writer.WriteAttributeString('failures', [string]@($suite | Where-Object Result -EQ 'Failed').Count)
            $writer.WriteAttributeString('skipped', [string]@($suite | Where-Object Result -EQ 'Skipped').Count)
            $total = [TimeSpan]::Zero
            foreach ($t in $suite) { $total += $t.Duration }
            $writer.WriteAttributeString('time', (& $seconds $total))
            foreach ($t in $suite) {
                $writer.WriteStartElement('testcase')
                $writer.WriteAttributeString('classname', (Get-MPPath $t.Block))
                $writer.WriteAttributeString('name', $t.Name)
                $writer.WriteAttributeString('time', (& $seconds $t.Duration))
                if ($t.Result -eq 'Failed') {
                    $writer.WriteStartElement('failure')
                    $writer.WriteAttributeString('message', $t.Message)
                    $writer.WriteString($t.Details)
                    $writer.WriteEndElement()
                }
                elseif ($t.Result -eq 'Skipped') {
                    $writer.WriteStartElement('skipped')
                    if ($t.Message) { $writer.WriteAttributeString('message', $t.Message) }
                    $writer.WriteEndElement()
                }
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
    }
    finally {
        $writer.Dispose()
    }
}
