<#
.SYNOPSIS
KernelTalk task runner: Build, Test, Demo, Sandbox, Clean.

.DESCRIPTION
The single entry point for building and testing KernelTalk. It runs under
pwsh and under the project's minimal host kt-pwsh (./build.sh picks one),
so it uses only the engine's Core cmdlets: .NET calls for files and
console output, and native programs checked through $LASTEXITCODE.

Build    prepares the VM test bed (tests/vm/kt-vm setup), builds the kernel
         module and the C client against the VM kernel's headers, the C test
         programs (tests/abi, tests/stress) and the .NET projects
         (src/KernelTalk.PowerShell, tests/PSHost, tests/Unit), and lays out
         the PowerShell module folder out/KernelTalk.
Test     Build, then every test tier: unit (xunit and the PSHost self-tests,
         on the host), lint (host), abi (on each supported kernel), stress,
         client and pester (inside the VM). Each tier's output is saved under
         out/test/. Prints a table per tier and, as the very last line,
         "N passed, N failed" summed over all tiers; exits 1 if anything failed.
Demo     Build, then a scripted conversation inside the VM (tests/demo/demo.sh).
Sandbox  Build, then a VM with an interactive shell on the console (leave it
         with `exit` or Ctrl+A X).
Clean    make clean in lkm/ and tests/, remove bin/, obj/ and out/.

.PARAMETER Task
What to do; Build by default.

.PARAMETER Kernel
Debian kernel the VM boots and the module is built for: 6.1 (default),
6.12 or 5.10. Test also runs the ABI suite on the other two and on a
lockdep/KASAN build of 6.1 (tiers abi-6.12, abi-5.10, abi-6.1-debug and
stress-6.1-debug), with modules built in out/lkm-<version>/. The debug
kernel is built once (10-20 minutes) and cached.

.PARAMETER SkipOtherKernels
Test: run the ABI and stress tiers on -Kernel only.

.EXAMPLE
./build.sh Test
Builds everything and runs all test tiers (what CI runs).

.EXAMPLE
./build.sh Test -Kernel 6.12
The same against the bookworm-backports kernel.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Sandbox', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('6.1', '6.12', '5.10')]
    [string] $Kernel = '6.1',

    # Test: run the ABI suite on -Kernel only, not on every supported kernel.
    [switch] $SkipOtherKernels
)

$ErrorActionPreference = 'Stop'
# Native failures are checked explicitly (Invoke-Native, the tier runner),
# the same way under pwsh and kt-pwsh.
$PSNativeCommandUseErrorActionPreference = $false
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$KtVm = [System.IO.Path]::Combine($Root, 'tests', 'vm', 'kt-vm')
$KtPwsh = [System.IO.Path]::Combine($Root, 'tests', 'PSHost', 'bin', 'Release', 'net10.0', 'kt-pwsh')
$TestOut = [System.IO.Path]::Combine($Root, 'out', 'test')
# Test also runs the ABI suite on these: DESIGN.md section 6's kernels and
# a lockdep/KASAN build of 6.1.
$OtherTestKernels = @('6.12', '5.10', '6.1-debug')

# .NET projects built by Build.
$DotnetProjects = @(
    'src/KernelTalk.PowerShell/KernelTalk.PowerShell.csproj'
    'tests/PSHost/PSHost.csproj'
    'tests/Unit/KernelTalk.Tests.csproj'
)

function Write-Step {
    param([string] $Text)
    [Console]::WriteLine("==> $Text")
}

function Get-RepoPath {
    param([string] $Relative)
    [System.IO.Path]::Combine($Root, $Relative)
}

# Runs a native program with the console attached; throws when it fails.
function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments = @())

    Write-Step "$FilePath $($Arguments -join ' ')"
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Invoke-Build {
    Invoke-Native $KtVm @('setup', '--kernel', $Kernel)

    $kdir = Get-Kdir
    if ($null -eq $kdir) { throw "tests/vm/kt-vm kdir --kernel $Kernel printed no kernel headers dir." }

    Invoke-Native 'make' @('-C', (Get-RepoPath 'lkm'), "KDIR=$kdir")
    foreach ($dir in 'tests/abi', 'tests/stress') {
        Invoke-Native 'make' @('-C', (Get-RepoPath $dir))
    }
    foreach ($project in $DotnetProjects) {
        Invoke-Native 'dotnet' @('build', (Get-RepoPath $project), '-c', 'Release', '--nologo', '-v', 'q', '-clp:NoSummary')
    }
    # The module folder out/KernelTalk that ./KernelTalk.psd1 loads.
    Write-Step 'publish out/KernelTalk'
    $null = & (Get-RepoPath 'src/KernelTalk.PowerShell/Publish-Module.ps1') -Configuration Release
}

# ---- Test -------------------------------------------------------------------

# One tier's outcome; Note says why counts were adjusted.
function New-TierResult {
    param([string] $Name, [int] $Passed, [int] $Failed, [string] $Note)
    [pscustomobject]@{ Name = $Name; Passed = $Passed; Failed = $Failed; Note = $Note }
}

# Runs one tier program, streaming its output to the console and to
# out/test/<name>.log, and reads its closing "<summary>: N passed, N failed"
# line. No summary with a non-zero exit counts as 1 failed; a non-zero exit
# that the summary does not account for (e.g. 125, dirty dmesg) adds 1.
function Invoke-Tier {
    param(
        [string] $Name,
        [string] $Summary,
        [string] $FilePath,
        [string[]] $Arguments
    )

    Write-Step "tier $Name`: $FilePath $($Arguments -join ' ')"
    $logPath = [System.IO.Path]::Combine($TestOut, "$Name.log")
    $log = [System.IO.StreamWriter]::new($logPath)
    $pattern = '^' + [regex]::Escape($Summary) + ': (\d+) passed, (\d+) failed\b'
    $found = $null
    $exitCode = 0
    try {
        # Stderr lines of a native program arrive as ErrorRecords under 2>&1;
        # they are log text here, not errors of this script.
        $ErrorActionPreference = 'Continue'
        & $FilePath @Arguments 2>&1 | ForEach-Object {
            $line = "$_"
            [Console]::WriteLine($line)
            $log.WriteLine($line)
            $match = [regex]::Match($line, $pattern)
            if ($match.Success) { $found = $match }
        }
        $exitCode = $LASTEXITCODE
    }
    finally {
        $ErrorActionPreference = 'Stop'
        $log.Dispose()
    }

    if ($null -eq $found) {
        return New-TierResult $Name 0 1 "no '$Summary`: N passed, N failed' line (exit $exitCode)"
    }

    $passed = [int]$found.Groups[1].Value
    $failed = [int]$found.Groups[2].Value
    if ($exitCode -eq 125) {
        return New-TierResult $Name $passed ($failed + 1) 'exit 125: dirty dmesg or harness failure'
    }
    if ($exitCode -ne 0 -and $failed -eq 0) {
        return New-TierResult $Name $passed 1 "exit $exitCode with no failed case"
    }
    New-TierResult $Name $passed $failed ''
}

# xunit prints "Failed: N, Passed: N, Skipped: N" per test assembly rather
# than the tier line; this turns that into the tier format.
function Invoke-XunitTier {
    $project = Get-RepoPath 'tests/Unit/KernelTalk.Tests.csproj'

    Write-Step "tier unit: dotnet test $project"
    $logPath = [System.IO.Path]::Combine($TestOut, 'unit-xunit.log')
    $log = [System.IO.StreamWriter]::new($logPath)
    $passed = 0
    $failed = 0
    $sawSummary = $false
    try {
        $ErrorActionPreference = 'Continue'
        & dotnet test $project -c Release --no-build --nologo 2>&1 | ForEach-Object {
            $line = "$_"
            [Console]::WriteLine($line)
            $log.WriteLine($line)
            $match = [regex]::Match($line, 'Failed:\s*(\d+),\s*Passed:\s*(\d+)')
            if ($match.Success) {
                $sawSummary = $true
                $failed += [int]$match.Groups[1].Value
                $passed += [int]$match.Groups[2].Value
            }
        }
        $exitCode = $LASTEXITCODE
    }
    finally {
        $ErrorActionPreference = 'Stop'
        $log.Dispose()
    }

    if (-not $sawSummary) { return New-TierResult 'unit' 0 1 "dotnet test printed no summary (exit $exitCode)" }
    if ($exitCode -ne 0 -and $failed -eq 0) { return New-TierResult 'unit' $passed 1 "dotnet test exit $exitCode" }
    New-TierResult 'unit' $passed $failed 'xunit'
}

# Arguments for `kt-vm run` common to the VM tiers.
function Get-VmArguments {
    param([string] $Name, [string[]] $Extra = @(), [string] $Version = $Kernel)
    $results = [System.IO.Path]::Combine($TestOut, $Name)
    $null = [System.IO.Directory]::CreateDirectory($results)
    @('run', '--kernel', $Version, '--check-dmesg', '--results', $results) + $Extra
}

# Builds the module for $Version in $Lkm, a copy of lkm/ under out/, so the
# tree's own build stays $Kernel's. -g lets a splat's module frames be
# mapped with the kernel tree's scripts/faddr2line.
function Build-ModuleCopy {
    param([string] $Version, [string] $Lkm)
    Invoke-Native $KtVm @('setup', '--kernel', $Version)
    $kdir = Get-Kdir $Version
    if ($null -eq $kdir) { throw "tests/vm/kt-vm kdir --kernel $Version printed nothing." }
    if ([System.IO.Directory]::Exists($Lkm)) { [System.IO.Directory]::Delete($Lkm, $true) }
    Invoke-Native 'cp' @('-r', (Get-RepoPath 'lkm'), $Lkm)
    Invoke-Native 'make' @('-s', '-C', $Lkm, 'clean', "KDIR=$kdir")
    Invoke-Native 'make' @('-C', $Lkm, 'module', "KDIR=$kdir", 'W=1', 'KCFLAGS=-g')
}

# The ABI suite on the other kernels: DESIGN.md section 6's, and 6.1 built
# with lockdep and KASAN (tests/vm/debug-kernel.sh), which also runs stress.
function Invoke-OtherKernelTiers {
    param([System.Collections.Generic.List[object]] $Results, [string] $Abi, [string] $Stress)

    foreach ($version in $OtherTestKernels) {
        if ($version -eq $Kernel) { continue }
        $lkm = [System.IO.Path]::Combine($Root, 'out', "lkm-$version")
        $module = [System.IO.Path]::Combine($lkm, 'kerneltalk.ko')
        try { Build-ModuleCopy $version $lkm }
        catch {
            [Console]::WriteLine("tier abi-$version`: $_")
            $Results.Add((New-TierResult "abi-$version" 0 1 "module build for $version failed"))
            continue
        }
        $vmArgs = Get-VmArguments "abi-$version" @('--timeout', '1800', '--module', $module) $version
        $Results.Add((Invoke-Tier -Name "abi-$version" -Summary 'abi' -FilePath $KtVm -Arguments ($vmArgs + @('--', $Abi))))
        if ($version -like '*-debug') {
            $vmArgs = Get-VmArguments "stress-$version" @('--timeout', '1800', '--smp', '2', '--module', $module) $version
            $Results.Add((Invoke-Tier -Name "stress-$version" -Summary 'stress' -FilePath $KtVm -Arguments ($vmArgs + @('--', $Stress))))
        }
    }
}

function Invoke-Test {
    Invoke-Build
    $null = [System.IO.Directory]::CreateDirectory($TestOut)
    $results = [System.Collections.Generic.List[object]]::new()

    # unit: C# internals and the PowerShell tooling, on the host.
    $results.Add((Invoke-XunitTier))
    $selfTest = Get-RepoPath 'tests/PSHost/SelfTest/Test-PSHost.ps1'
    $results.Add((Invoke-Tier -Name 'unit-pshost' -Summary 'pshost' -FilePath $KtPwsh `
                -Arguments @('-NonInteractive', '-File', $selfTest, '-KtPwsh', $KtPwsh)))

    # lint: W=1, sparse and checkpatch of the module, on the host.
    $results.Add((Invoke-Tier -Name 'lint' -Summary 'lint' -FilePath (Get-RepoPath 'tests/lint/kernel-lint.sh') `
                -Arguments @(Get-Kdir)))

    # abi: the C suite inside the VM; stress: many writers and readers on
    # two guest CPUs.
    $abi = Get-RepoPath 'tests/abi/kt-abi'
    $stress = Get-RepoPath 'tests/stress/run.sh'
    $results.Add((Invoke-Tier -Name 'abi' -Summary 'abi' -FilePath $KtVm `
                -Arguments ((Get-VmArguments 'abi' @('--timeout', '900')) + @('--', $abi))))
    $results.Add((Invoke-Tier -Name 'stress' -Summary 'stress' -FilePath $KtVm `
                -Arguments ((Get-VmArguments 'stress' @('--smp', '2')) + @('--', $stress))))
    if (-not $SkipOtherKernels) { Invoke-OtherKernelTiers $results $abi $stress }

    # client: the C client, piped and in tmux.
    $results.Add((Invoke-Tier -Name 'client' -Summary 'client' -FilePath $KtVm `
                -Arguments ((Get-VmArguments 'client') + @('--', (Get-RepoPath 'tests/client/run.sh')))))

    # pester: the cmdlet specs in one long-lived kt-pwsh inside the VM. The
    # JUnit file goes to the results share, whose guest path only the guest
    # knows ($KT_RESULTS), hence the small sh wrapper.
    $runner = Get-RepoPath 'tests/PSHost/Invoke-Specs.ps1'
    $inGuest = 'exec "$0" -NonInteractive -File "$1" -Path "$2" -ResultPath "$KT_RESULTS/pester.xml"'
    $results.Add((Invoke-Tier -Name 'pester' -Summary 'pester' -FilePath $KtVm `
                -Arguments ((Get-VmArguments 'pester') + @('--', 'sh', '-c', $inGuest, $KtPwsh, $runner, (Get-RepoPath 'tests/Pester')))))

    Write-TestReport $results
}

function Write-TestReport {
    param([System.Collections.Generic.List[object]] $Results)

    $passed = 0
    $failed = 0
    [Console]::WriteLine('')
    [Console]::WriteLine(('{0,-18} {1,7} {2,7}  {3}' -f 'tier', 'passed', 'failed', 'note'))
    foreach ($r in $Results) {
        [Console]::WriteLine(('{0,-18} {1,7} {2,7}  {3}' -f $r.Name, $r.Passed, $r.Failed, $r.Note))
        $passed += $r.Passed
        $failed += $r.Failed
    }
    [Console]::WriteLine("(tier logs in $TestOut)")
    [Console]::WriteLine("$passed passed, $failed failed")
    if ($failed -gt 0) { exit 1 }
}

# ---- Demo, Sandbox, Clean ------------------------------------------------------

function Invoke-Demo {
    Invoke-Build
    $demo = Get-RepoPath 'tests/demo/demo.sh'
    if (-not [System.IO.File]::Exists($demo)) { throw "The demo script $demo does not exist yet." }
    Invoke-Native $KtVm @('run', '--kernel', $Kernel, '--', $demo)
}

function Invoke-Sandbox {
    Invoke-Build
    [Console]::WriteLine('Sandbox: a shell inside the VM; leave it with `exit` (or Ctrl+A X).')
    # A person is at the keyboard: the watchdog only stops a forgotten VM.
    Invoke-Native $KtVm @('run', '--kernel', $Kernel, '--interactive', '--timeout', '14400')
}

# The kernel headers dir of the VM kernel, or $null when the test bed cannot
# tell (not set up yet): lkm's clean goes through Kbuild and needs one.
function Get-Kdir {
    param([string] $Version = $Kernel)
    if (-not [System.IO.File]::Exists($KtVm)) { return $null }
    $kdir = & $KtVm kdir --kernel $Version
    if ($LASTEXITCODE -ne 0 -or -not $kdir) { return $null }
    "$kdir".Trim()
}

function Invoke-Clean {
    $kdir = Get-Kdir
    if ($null -ne $kdir) { Invoke-Native 'make' @('-C', (Get-RepoPath 'lkm'), "KDIR=$kdir", 'clean') }
    else { [Console]::WriteLine('clean: no kernel headers dir from tests/vm/kt-vm; lkm/ not cleaned') }
    foreach ($dir in 'tests/abi', 'tests/stress') {
        if ([System.IO.File]::Exists((Get-RepoPath "$dir/Makefile"))) {
            Invoke-Native 'make' @('-C', (Get-RepoPath $dir), 'clean')
        }
    }

    $folders = [System.Collections.Generic.List[string]]::new()
    $folders.Add((Get-RepoPath 'out'))
    foreach ($project in $DotnetProjects) {
        $projectDir = [System.IO.Path]::GetDirectoryName((Get-RepoPath $project))
        $folders.Add([System.IO.Path]::Combine($projectDir, 'bin'))
        $folders.Add([System.IO.Path]::Combine($projectDir, 'obj'))
    }
    foreach ($folder in $folders) {
        if ([System.IO.Directory]::Exists($folder)) {
            Write-Step "remove $folder"
            [System.IO.Directory]::Delete($folder, $true)
        }
    }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Sandbox' { Invoke-Sandbox }
    'Clean' { Invoke-Clean }
}
exit 0
