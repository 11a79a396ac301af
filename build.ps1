<#
.SYNOPSIS
KernelTalk task runner: Build, Test, Demo, Sandbox, Bench, Package, Clean.

.DESCRIPTION
The single entry point for building and testing KernelTalk; ./build.sh runs
it under the PowerShell pinned in .config/dotnet-tools.json.

Build    prepares the VM test bed (tests/vm/kt-vm setup), builds the kernel
         module and the C client against the VM kernel's headers, the C test
         programs (tests/abi, tests/stress, tests/fuzz) and the .NET projects, lays out
         the PowerShell module folder out/KernelTalk, and restores the
         Pester version pinned in tests/Pester/PesterModule.csproj into
         out/modules.
Test     Build, then every test tier: unit (xunit, host), lint (host),
         planted (each planted bug of tests/planted still applies to
         lkm/; host), install and dkms (make install into a staging root, dkms
         add/build/remove in a throwaway DKMS tree; host), abi
         (each supported kernel, in the VM), stress, sanitize (the C
         programs under ASan + UBSan), client and pester (in the VM), chat
         (Enter-KernelTalkChat in tmux, in the VM), bridge (Start-KernelTalkBridge
         through a nats-server inside the VM), hosts (a room across two VMs
         through nats-server on the host); on the debug kernel abi,
         stress and fuzz (kt-fuzz for KT_FUZZ_SECONDS, default 300, then
         trinity) in one boot, then the ring's KUnit tests, then a
         kmemleak check. Each
         tier's output is saved under out/test/. Prints a table
         of the tiers and, as the very last line, "N passed, N failed" summed
         over all tiers; exits 1 if anything failed.
Demo     Build, then a scripted conversation inside the VM (tests/demo).
Sandbox  Build, then a VM with an interactive shell on the console (leave it
         with `exit` or Ctrl+A X).
Bench    Build, then the benchmark in the VM (bench/run.sh, bench/README.md):
         KernelTalk side by side with pipes, sockets, mqueue and a broker;
         bench/results/latest.csv, latest.md and latest.png.
Package  Builds the PowerShell module and publishes it with PSResourceGet to
         the local repository out/packages: out/packages/KernelTalk.<version>.nupkg.
Clean    make clean in lkm/ and tests/, remove bin/, obj/ and out/.

.PARAMETER Task
What to do; Build by default.

.PARAMETER Kernel
Debian kernel the VM boots and the module is built for: 6.1 (default),
6.12, 6.12-rt (PREEMPT_RT) or 5.10. Test also runs the ABI suite on the
others (tiers abi-6.12, abi-6.12-rt, abi-5.10) and the stress tier on
6.12-rt; on a lockdep/KASAN build of 6.1 one boot runs abi (with its
failslab cases), stress and fuzz, then the kmemleak check (abi-, stress-,
fuzz- and kmemleak-6.1-debug); on a lockdep/KCSAN build of 6.1 the stress
and fuzz tiers run with 2 CPUs (stress-6.1-kcsan, fuzz-6.1-kcsan). Modules
are built in out/lkm-<version>/. Each debug kernel is built once (10-20
minutes) and cached.

.PARAMETER SkipOtherKernels
Test: run the ABI and stress tiers on -Kernel only.

.EXAMPLE
./build.sh Test
Builds everything and runs all test tiers (what CI runs).

.EXAMPLE
./build.sh Test -Kernel 6.12 -SkipOtherKernels
The VM tiers against the bookworm-backports kernel only.

.EXAMPLE
./build.sh Package
Writes out/packages/KernelTalk.<version>.nupkg; see the README for installing it.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Sandbox', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('6.1', '6.12', '6.12-rt', '5.10')]
    [string] $Kernel = '6.1',

    [switch] $SkipOtherKernels
)

$ErrorActionPreference = 'Stop'
# Native failures are checked explicitly (Invoke-Native, Invoke-Tier).
$PSNativeCommandUseErrorActionPreference = $false
$InformationPreference = 'Continue'
# No progress bar in CI logs.
if ($env:CI) { $ProgressPreference = 'SilentlyContinue' }
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$TestOut = Join-Path $Out 'test'
$KtVm = Join-Path $Root 'tests/vm/kt-vm'
$ModuleProject = Join-Path $Root 'src/KernelTalk.PowerShell/KernelTalk.PowerShell.csproj'
$UnitProject = Join-Path $Root 'tests/Unit/KernelTalk.Tests.csproj'
# Start-KernelTalkBridge's NATS side (net8.0), laid out in the module's bridge/ folder.
$BridgeProject = Join-Path $Root 'src/KernelTalk.Bridge/KernelTalk.Bridge.csproj'
$AbiSuite = Join-Path $Root 'tests/abi/kt-abi'
$StressTier = Join-Path $Root 'tests/stress/run.sh'
$FuzzTier = Join-Path $Root 'tests/fuzz/run.sh'
$InstallTier = Join-Path $Root 'tests/install/run.sh'
$BridgeTier = Join-Path $Root 'tests/bridge/run.sh'
# The one place the Pester version is pinned.
$PesterProject = Join-Path $Root 'tests/Pester/PesterModule.csproj'
# Test also runs the ABI suite on these: DESIGN.md section 6's kernels, the
# PREEMPT_RT one, and the debug builds of 6.1.
$OtherTestKernels = '6.12', '6.12-rt', '5.10', '6.1-debug', '6.1-kcsan'
# Debug builds of 6.1 (tests/vm/debug-kernel.sh): lockdep with KASAN, and
# lockdep with KCSAN (which needs 2 CPUs to see races).
$DebugKernels = '6.1-debug', '6.1-kcsan'
# Kernels that get the stress tier too: the debug builds, and PREEMPT_RT,
# where spinlocks sleep.
$StressKernels = $DebugKernels + '6.12-rt'
# Kernels that get the stress tier only: KCSAN sees races with 2 CPUs, the
# ABI suite runs on 1 (its debug run is 6.1-debug's), and that boot under
# KCSAN on a loaded host can stall RCU for over 21 s before the module loads.
$StressOnlyKernels = '6.1-kcsan'

# This PowerShell's executable. The pinned .NET tool runs as `dotnet
# pwsh.dll`; its folder has the pwsh app host too (which makes the kernel
# stamp posts "pwsh", not "dotnet"), and goes first on PATH, which the VM
# inherits: `pwsh` works in the Sandbox and the demo.
$Pwsh = if ((Split-Path -Leaf ([Environment]::ProcessPath)) -eq 'dotnet') {
    $env:PATH = $PSHOME + [IO.Path]::PathSeparator + $env:PATH
    Join-Path $PSHOME 'pwsh'
}
else { [Environment]::ProcessPath }

function Write-Step([string] $Text) {
    Write-Information "==> $Text"
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

# The kernel headers dir of the VM kernel, or $null when the test bed cannot
# tell (not set up yet).
function Get-Kdir([string] $Version = $Kernel) {
    $kdir = & $KtVm kdir --kernel $Version
    if ($LASTEXITCODE -ne 0 -or -not $kdir) { return $null }
    "$kdir".Trim()
}

function Build-PowerShellModule {
    Invoke-Native 'dotnet' @('build', $ModuleProject, '-c', 'Release', '--nologo', '-v', 'q', '-clp:NoSummary')
    Invoke-Native 'dotnet' @('build', $BridgeProject, '-c', 'Release', '--nologo', '-v', 'q', '-clp:NoSummary')
    Write-Step 'publish out/KernelTalk'
    $null = & (Join-Path $Root 'src/KernelTalk.PowerShell/Publish-Module.ps1') -Configuration Release
}

# Restores the pinned Pester from NuGet and lays its module folder (the
# package's tools/) out as out/modules/Pester/<version>. Returns out/modules,
# the folder to put on PSModulePath.
function Restore-PesterModule {
    $modules = Join-Path $Out 'modules'
    $version = ([xml](Get-Content -Raw $PesterProject)).Project.ItemGroup.PackageDownload.Version.Trim('[]')
    $target = Join-Path $modules "Pester/$version"
    if (-not (Test-Path (Join-Path $target 'Pester.psd1'))) {
        $packages = Join-Path $Out 'nuget'
        Invoke-Native 'dotnet' @('restore', $PesterProject, '--packages', $packages, '--nologo', '-v', 'q')
        Remove-Item -Recurse -Force -ErrorAction Ignore (Join-Path $modules 'Pester')
        $null = New-Item -ItemType Directory -Force $target
        Copy-Item -Recurse -Path (Join-Path $packages "pester/$version/tools/*") -Destination $target
    }
    $modules
}

function Invoke-Build {
    Invoke-Native $KtVm @('setup', '--kernel', $Kernel)
    $kdir = Get-Kdir
    if ($null -eq $kdir) { throw "tests/vm/kt-vm kdir --kernel $Kernel printed no kernel headers dir." }

    Invoke-Native 'make' @('-C', (Join-Path $Root 'lkm'), "KDIR=$kdir")
    foreach ($dir in 'tests/abi', 'tests/stress', 'tests/fuzz') {
        Invoke-Native 'make' @('-C', (Join-Path $Root $dir))
    }
    Build-PowerShellModule
    Invoke-Native 'dotnet' @('build', $UnitProject, '-c', 'Release', '--nologo', '-v', 'q', '-clp:NoSummary')
    $null = Restore-PesterModule
}

# ---- Test -------------------------------------------------------------------

# One tier's outcome; Note says why counts were adjusted; Log names its
# log in out/test (a part of the debug kernel's boot shares that boot's).
function New-TierResult([string] $Name, [int] $Passed, [int] $Failed, [string] $Note = '', [string] $Log = "$Name.log") {
    [pscustomobject]@{ Tier = $Name; Passed = $Passed; Failed = $Failed; Note = $Note; Log = $Log }
}

# Runs one tier program, streaming its output to the console and to
# out/test/<name>.log, and reads its closing "<summary>: N passed, N failed"
# line. No summary counts as 1 failed; a non-zero exit that the summary does
# not account for (e.g. 125, dirty dmesg) adds 1.
function Invoke-Tier {
    param([string] $Name, [string] $Summary, [string] $FilePath, [string[]] $Arguments)

    Write-Step "tier $Name`: $FilePath $($Arguments -join ' ')"
    $pattern = '^' + [regex]::Escape($Summary) + ': (\d+) passed, (\d+) failed\b'
    $found = $null
    # Stderr lines of a native program arrive as ErrorRecords under 2>&1;
    # they are log text here, not errors of this script.
    & $FilePath @Arguments 2>&1 | ForEach-Object { "$_" } |
        Tee-Object -FilePath (Join-Path $TestOut "$Name.log") | ForEach-Object {
            Write-Information $_
            if ($_ -match $pattern) { $found = $Matches }
        }
    $exitCode = $LASTEXITCODE

    if ($null -eq $found) {
        return New-TierResult $Name 0 1 "no '$Summary`: N passed, N failed' line (exit $exitCode)"
    }
    $passed = [int]$found[1]
    $failed = [int]$found[2]
    if ($exitCode -eq 125) { return New-TierResult $Name $passed ($failed + 1) 'exit 125: dirty dmesg or harness failure' }
    if ($exitCode -ne 0 -and $failed -eq 0) { return New-TierResult $Name $passed 1 "exit $exitCode with no failed case" }
    New-TierResult $Name $passed $failed
}

# xunit prints "Failed: N, Passed: N, Skipped: N" per test assembly rather
# than the tier line; this turns that into the tier format.
function Invoke-XunitTier {
    Write-Step "tier unit: dotnet test $UnitProject"
    $passed = 0
    $failed = 0
    $sawSummary = $false
    & dotnet test $UnitProject -c Release --no-build --nologo 2>&1 | ForEach-Object { "$_" } |
        Tee-Object -FilePath (Join-Path $TestOut 'unit.log') | ForEach-Object {
            Write-Information $_
            if ($_ -match 'Failed:\s*(\d+),\s*Passed:\s*(\d+)') {
                $sawSummary = $true
                $failed += [int]$Matches[1]
                $passed += [int]$Matches[2]
            }
        }
    $exitCode = $LASTEXITCODE
    if (-not $sawSummary) { return New-TierResult 'unit' 0 1 "dotnet test printed no summary (exit $exitCode)" }
    if ($exitCode -ne 0 -and $failed -eq 0) { return New-TierResult 'unit' $passed 1 "dotnet test exit $exitCode" }
    New-TierResult 'unit' $passed $failed 'xunit'
}

# Arguments for `kt-vm run` common to the VM tiers.
function Get-VmArgument {
    param([string] $Name, [string[]] $Extra = @(), [string] $Version = $Kernel)
    $results = Join-Path $TestOut $Name
    $null = New-Item -ItemType Directory -Force $results
    @('run', '--kernel', $Version, '--check-dmesg', '--results', $results) + $Extra
}

# Builds the module for $Version in $Lkm, a copy of lkm/ under out/, so the
# tree's own build stays $Kernel's. -g lets a splat's module frames be
# mapped with the kernel tree's scripts/faddr2line.
function Build-ModuleCopy([string] $Version, [string] $Lkm) {
    Invoke-Native $KtVm @('setup', '--kernel', $Version)
    $kdir = Get-Kdir $Version
    if ($null -eq $kdir) { throw "tests/vm/kt-vm kdir --kernel $Version printed nothing." }
    Remove-Item -Recurse -Force -ErrorAction Ignore $Lkm
    Copy-Item -Recurse (Join-Path $Root 'lkm') $Lkm
    Invoke-Native 'make' @('-s', '-C', $Lkm, 'clean', "KDIR=$kdir")
    Invoke-Native 'make' @('-C', $Lkm, 'module', "KDIR=$kdir", 'W=1', 'KCFLAGS=-g')
}

# The tiers of Test, in order: a name and a script block returning one or
# more tier results, called with Argument.
function Get-TestTier {
    $others = if ($SkipOtherKernels) { @() } else { $OtherTestKernels | Where-Object { $_ -ne $Kernel } }
    @(
        @{ Name = 'unit'; Run = { Invoke-XunitTier } }
        @{ Name = 'lint'; Run = { Invoke-Tier -Name 'lint' -Summary 'lint' -FilePath (Join-Path $Root 'tests/lint/kernel-lint.sh') -Arguments @(Get-Kdir) } }
        # The planted bugs of tests/planted still apply to lkm/ (running them is run.sh's).
        @{ Name = 'planted'; Run = { Invoke-Tier -Name 'planted' -Summary 'planted' -FilePath (Join-Path $Root 'tests/planted/run.sh') -Arguments @('--check') } }
        foreach ($name in 'install', 'dkms') {
            @{ Name = $name; Argument = $name; Run = { param($Name) Invoke-Tier -Name $Name -Summary $Name -FilePath $InstallTier -Arguments @($Name, (Get-Kdir)) } }
        }
        @{ Name = 'abi'; Run = { Invoke-Tier -Name 'abi' -Summary 'abi' -FilePath $KtVm -Arguments ((Get-VmArgument 'abi' @('--timeout', '900')) + @('--', $AbiSuite)) } }
        @{ Name = 'stress'; Run = { Invoke-Tier -Name 'stress' -Summary 'stress' -FilePath $KtVm -Arguments ((Get-VmArgument 'stress' @('--smp', '2')) + @('--', $StressTier)) } }
        @{ Name = 'sanitize'; Run = { Invoke-SanitizeTier } }
        foreach ($version in $others) {
            @{ Name = "abi-$version"; Argument = $version; Run = { param($Version) Invoke-OtherKernelTier $Version } }
        }
        @{ Name = 'client'; Run = { Invoke-Tier -Name 'client' -Summary 'client' -FilePath $KtVm -Arguments ((Get-VmArgument 'client') + @('--', (Join-Path $Root 'tests/client/run.sh'))) } }
        @{ Name = 'chat'; Run = { Invoke-Tier -Name 'chat' -Summary 'chat' -FilePath $KtVm -Arguments ((Get-VmArgument 'chat' @('--timeout', '2400', '--share', $PSHOME)) + @('--', (Join-Path $Root 'tests/chat/run.sh'))) } }
        @{ Name = 'bridge'; Run = { Invoke-BridgeTier } }
        # Two VMs at once and nats-server on the host (tests/hosts/run.sh boots them).
        @{ Name = 'hosts'; Run = { Invoke-Tier -Name 'hosts' -Summary 'hosts' -FilePath (Join-Path $Root 'tests/hosts/run.sh') -Arguments @((Join-Path $TestOut 'hosts')) } }
        @{ Name = 'pester'; Run = { Invoke-PesterTier } }
    ) | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Run = $_.Run; Argument = $_['Argument'] } }
}

# The ABI suite on another kernel (not on $StressOnlyKernels); on
# $StressKernels the stress tier too; on the KASAN build the one boot of
# Invoke-DebugKernelTier instead, on the KCSAN build the fuzz tier too.
function Invoke-OtherKernelTier([string] $Version) {
    $lkm = Join-Path $Out "lkm-$Version"
    $module = Join-Path $lkm 'kerneltalk.ko'
    # Its output to the console: a tier returns only results.
    try { Build-ModuleCopy $Version $lkm | Out-Host }
    catch {
        Write-Information "tier abi-$Version`: $_"
        return New-TierResult "abi-$Version" 0 1 "module build for $Version failed"
    }
    if ($Version -eq '6.1-debug') { return Invoke-DebugKernelTier $Version $module }
    if ($Version -notin $StressOnlyKernels) {
        $vmArgs = Get-VmArgument "abi-$Version" @('--timeout', '1800', '--module', $module) $Version
        Invoke-Tier -Name "abi-$Version" -Summary 'abi' -FilePath $KtVm -Arguments ($vmArgs + @('--', $AbiSuite))
    }
    if ($Version -in $StressKernels) {
        $vmArgs = Get-VmArgument "stress-$Version" @('--timeout', '1800', '--smp', '2', '--module', $module) $Version
        Invoke-Tier -Name "stress-$Version" -Summary 'stress' -FilePath $KtVm -Arguments ($vmArgs + @('--', $StressTier))
    }
    if ($Version -in $DebugKernels) {
        # Shorter than on the KASAN build (CI's 90 minutes); 2 CPUs for KCSAN.
        $vmArgs = Get-VmArgument "fuzz-$Version" @('--timeout', '1800', '--smp', '2', '--module', $module) $Version
        Invoke-Tier -Name "fuzz-$Version" -Summary 'fuzz' -FilePath $KtVm -Arguments ($vmArgs + @('--',
                'env', "KT_FUZZ_SECONDS=$(Initialize-FuzzTier 120)", $FuzzTier))
    }
}

# Seconds of kt-fuzz: KT_FUZZ_SECONDS, else the tier's default. trinity is
# Debian's: installed on the host first (as root; else run.sh names the
# apt-get line), the guest runs it from the host root; without it the rest
# still runs and fuzz fails its trinity case.
function Initialize-FuzzTier([string] $Default) {
    & $FuzzTier setup | Out-Host
    if ($env:KT_FUZZ_SECONDS) { $env:KT_FUZZ_SECONDS } else { $Default }
}

# One boot of the debug kernel runs the ABI suite (with its failslab
# cases), the stress tier and the fuzz tier (kt-fuzz for KT_FUZZ_SECONDS,
# default 300, then trinity: tests/fuzz/run.sh), the ring's KUnit tests
# (tests/vm/kunit.sh loads and unloads kerneltalk_kunit.ko, built beside
# the module: KTAP case counts), then the kmemleak check
# (tests/vm/kmemleak.sh: rmmod, two scans, leaks through kerneltalk mapped
# to source lines): a scan under KASAN takes minutes, so once. Each part's
# tier line becomes its tier (abi-, stress-, fuzz-, kunit-<version>);
# kmemleak-<version> keeps the rest of the run's count, the leak check
# itself.
function Invoke-DebugKernelTier([string] $Version, [string] $Module) {
    $name = "kmemleak-$Version"
    $seconds = Initialize-FuzzTier 300
    $vmArgs = Get-VmArgument $name @('--timeout', '3600', '--smp', '2', '--module', $Module) $Version
    # The guest gets no environment from here: the command sets it.
    $all = Invoke-Tier -Name $name -Summary 'kmemleak' -FilePath $KtVm -Arguments ($vmArgs + @('--',
            'env', "KT_FUZZ_SECONDS=$seconds", "KT_KUNIT=$(Join-Path (Split-Path $Module) 'kerneltalk_kunit.ko')",
            (Join-Path $Root 'tests/vm/kmemleak.sh'), '--kdir', (Get-Kdir $Version),
            $AbiSuite, $StressTier, $FuzzTier, (Join-Path $Root 'tests/vm/kunit.sh')))
    $parts = [ordered]@{ abi = $null; stress = $null; fuzz = $null; kunit = $null }
    # The last line of each counts (kt-fuzz's own comes before run.sh's).
    switch -Regex -File (Join-Path $TestOut "$name.log") {
        '^(abi|stress|fuzz|kunit): (\d+) passed, (\d+) failed$' { $parts[$Matches[1]] = [int]$Matches[2], [int]$Matches[3] }
    }
    $passed = $all.Passed
    $failed = $all.Failed
    foreach ($part in @($parts.Keys)) {
        if ($null -eq $parts[$part]) {
            New-TierResult "$part-$Version" 0 1 "no '$part`: N passed, N failed' line in $name.log" -Log "$name.log"
            continue
        }
        $p, $f = $parts[$part]
        New-TierResult "$part-$Version" $p $f -Log "$name.log"
        $passed -= $p
        $failed -= $f
    }
    New-TierResult $name ([Math]::Max($passed, 0)) ([Math]::Max($failed, 0)) $all.Note
}

# The C client and the C test programs built with ASan + UBSan on the host
# (out/sanitize: the guest sees the checkout read-only) and run once in
# the VM (tests/sanitize/run.sh): every sanitizer report fails the tier.
function Invoke-SanitizeTier {
    $bin = Join-Path $Out 'sanitize'
    $sanitize = Join-Path $Root 'tests/sanitize/run.sh'
    try { Invoke-Native $sanitize @('build', $bin) | Out-Host }
    catch {
        Write-Information "tier sanitize: $_"
        return New-TierResult 'sanitize' 0 1 'sanitizer build failed'
    }
    Invoke-Tier -Name 'sanitize' -Summary 'sanitize' -FilePath $KtVm -Arguments ((Get-VmArgument 'sanitize' @('--timeout', '1800', '--smp', '2')) + @('--', $sanitize, $bin))
}

# Start-KernelTalkBridge through a nats-server inside the VM (loopback only):
# nats-server is Debian's, installed on the host first (as root; else run.sh
# names the apt-get line) and run by the guest from the host root. Two CPUs:
# two bridges (two pwsh processes) relay at once.
function Invoke-BridgeTier {
    & $BridgeTier setup | Out-Host
    Invoke-Tier -Name 'bridge' -Summary 'bridge' -FilePath $KtVm -Arguments ((Get-VmArgument 'bridge' @('--timeout', '2400', '--smp', '2', '--share', $PSHOME)) + @('--', $BridgeTier))
}

# The cmdlet specs under real Pester, in one pwsh inside the VM, where the
# device exists: a skipped spec fails the tier there (-RequireDevice). The
# restored tools are shared into the guest when they live under /tmp.
function Invoke-PesterTier {
    $modules = Restore-PesterModule
    $results = Join-Path $TestOut 'pester'
    $runner = Join-Path $Root 'tests/Pester/Invoke-PesterTier.ps1'
    $vmArgs = Get-VmArgument 'pester' @('--timeout', '1800', '--share', $PSHOME, '--share', $modules)
    Invoke-Tier -Name 'pester' -Summary 'pester' -FilePath $KtVm -Arguments ($vmArgs + @('--', $Pwsh,
            '-NoProfile', '-NonInteractive', '-File', $runner,
            '-ModulePath', $modules, '-ResultPath', (Join-Path $results 'pester.xml'), '-RequireDevice'))
}

function Invoke-Test {
    Invoke-Build
    # The pester tier installs the module from its package.
    Publish-ModulePackage
    $null = New-Item -ItemType Directory -Force $TestOut
    $results = [System.Collections.Generic.List[object]]::new()
    $tiers = @(Get-TestTier)
    $done = 0
    foreach ($tier in $tiers) {
        Write-Progress -Activity 'KernelTalk tests' -Status "tier $($tier.Name)" -PercentComplete (100 * $done / $tiers.Count)
        foreach ($result in & $tier.Run $tier.Argument) { $results.Add($result) }
        $done++
    }
    Write-Progress -Activity 'KernelTalk tests' -Completed
    Write-TestReport $results
}

function Write-TestReport([System.Collections.Generic.List[object]] $Results) {
    $passed = ($Results | Measure-Object -Property Passed -Sum).Sum
    $failed = ($Results | Measure-Object -Property Failed -Sum).Sum
    Write-FailureExcerpt $Results
    Write-Host ($Results | Format-Table -AutoSize -Property Tier, Passed, Failed, Note | Out-String -Width 200).TrimEnd()
    Write-Host "(tier logs in $TestOut)"
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

# What each failed tier said about its failures, next to the totals: the
# end of a run is what a CI report keeps. Lines with FAIL, "not ok",
# Pester's [-] or kt-vm's own verdicts (timeout, no exit status, dirty
# dmesg, KCSAN in kerneltalk), each with the 6 after it, 40 per tier.
function Write-FailureExcerpt([System.Collections.Generic.List[object]] $Results) {
    $pattern = '\bFAIL|^\s*not ok\b|^\s*\[-\]|^kt-vm: (timed out|guest ended|dmesg shows|KCSAN: \d+ report\(s\) in )'
    foreach ($group in $Results | Where-Object Failed -gt 0 | Group-Object -Property Log) {
        $log = Join-Path $TestOut $group.Name
        if (-not (Test-Path $log)) { continue }
        Write-Host "---- $($group.Group.Tier -join ', '): failures in $log"
        $lines = @(Get-Content $log)
        $shown = [System.Collections.Generic.SortedSet[int]]::new()
        Select-String -Path $log -CaseSensitive -Pattern $pattern | ForEach-Object {
            foreach ($i in ($_.LineNumber - 1)..([Math]::Min($_.LineNumber + 5, $lines.Count - 1))) { $null = $shown.Add($i) }
        }
        $shown | Select-Object -First 40 | ForEach-Object { Write-Host "  $($lines[$_])" }
    }
}

# ---- Demo, Sandbox, Package, Clean ----------------------------------------------

function Invoke-Demo {
    Invoke-Build
    Invoke-Native $KtVm (@('run', '--kernel', $Kernel, '--share', $PSHOME, '--', (Join-Path $Root 'tests/demo/demo.sh')))
}

function Invoke-Sandbox {
    Invoke-Build
    $chat = "pwsh -NoExit -c 'Import-Module $Root/KernelTalk.psd1; Enter-KernelTalkChat lobby'"
    Write-Host "Sandbox: a shell inside the VM, with pwsh on PATH; leave it with 'exit' (or Ctrl+A X)."
    Write-Host "Two chats side by side: tmux new-session `"$chat`" \; split-window -h `"$chat`""
    # A person is at the keyboard: the watchdog only stops a forgotten VM.
    Invoke-Native $KtVm @('run', '--kernel', $Kernel, '--share', $PSHOME, '--interactive', '--timeout', '14400')
}

# Publishes out/KernelTalk to the local file repository out/packages with
# PSResourceGet, registered only while publishing.
function Publish-ModulePackage {
    $packages = Join-Path $Out 'packages'
    $null = New-Item -ItemType Directory -Force $packages
    # Publish-PSResource refuses a version the repository already has.
    Remove-Item (Join-Path $packages 'KernelTalk.*.nupkg')
    $repository = 'KernelTalkBuild'
    Register-PSResourceRepository -Name $repository -Uri $packages -Trusted -Force
    try {
        Publish-PSResource -Path (Join-Path $Out 'KernelTalk') -Repository $repository
    }
    finally { Unregister-PSResourceRepository -Name $repository }
    $version = (Import-PowerShellDataFile (Join-Path $Out 'KernelTalk/KernelTalk.psd1')).ModuleVersion
    $nupkg = Join-Path $packages "KernelTalk.$version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "Publish-PSResource did not write $nupkg." }
    Write-Host "package: $nupkg"
}

function Invoke-Package {
    Build-PowerShellModule
    Publish-ModulePackage
}

# Two VM boots: one CPU for the ratios, two for the parallel workload.
# pwsh is on PATH here, so run.sh finds it for the cmdlets' benchmark.
function Invoke-Bench {
    Invoke-Build
    Invoke-Native (Join-Path $Root 'bench/run.sh') @('--kernel', $Kernel)
}

function Invoke-Clean {
    $kdir = Get-Kdir
    if ($null -ne $kdir) { Invoke-Native 'make' @('-C', (Join-Path $Root 'lkm'), "KDIR=$kdir", 'clean') }
    else { Write-Warning 'clean: no kernel headers dir from tests/vm/kt-vm; lkm/ not cleaned' }
    foreach ($dir in 'tests/abi', 'tests/stress', 'tests/fuzz', 'bench') {
        Invoke-Native 'make' @('-C', (Join-Path $Root $dir), 'clean')
    }
    $folders = @($Out) + (
        $ModuleProject, $UnitProject, $PesterProject | ForEach-Object {
            $dir = Split-Path $_
            Join-Path $dir 'bin'
            Join-Path $dir 'obj'
        })
    foreach ($folder in $folders | Where-Object { Test-Path $_ }) {
        Write-Step "remove $folder"
        Remove-Item -Recurse -Force $folder
    }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Sandbox' { Invoke-Sandbox }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
    'Clean' { Invoke-Clean }
}
exit 0
