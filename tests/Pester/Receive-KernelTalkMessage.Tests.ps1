# SPDX-License-Identifier: GPL-2.0
# Receive-KernelTalkMessage against the real device (run inside the VM).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Id = 'KernelTalk.Commands.ReceiveKernelTalkMessageCommand'
    $MaxMsg = Get-ModuleParameter 'max_msg'

    # Posts $Text to $Room as a bridge would, from perl: JOIN (0x4020c700),
    # KERNELTALK_F_RELAY (0x8) with SET_FLAGS (0x4004c702), then one write()
    # of a struct kerneltalk_origin claiming alice@hostb(pwsh:4242), and the text.
    function Send-Relayed([string] $Room, [string] $Text) {
        $perl = @'
my ($room, $text) = @ARGV;
open(my $f, "+<", "/dev/kerneltalk") or die "open: $!\n";
my $name = pack("Z32", $room);
ioctl($f, 0x4020c700, $name) or die "join: $!\n";
my $flags = pack("L", 8);
ioctl($f, 0x4004c702, $flags) or die "F_RELAY: $!\n";
my $o = pack("L L Q Q L L a64 a32 a16 Q Q", 160, 0, 1764590400 * 1e9, 7,
             1001, 4242, "hostb", "alice", "pwsh", 0, 0);
syswrite($f, $o . $text) == 160 + length($text) or die "write: $!\n";
'@
        & perl -e $perl $Room $Text
        $LASTEXITCODE | Should -Be 0
    }
}

Describe 'Receive-KernelTalkMessage' {
    Context 'What it returns' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should return the retained messages with -NoWait' {
            $room = New-TestRoom
            'r1', 'r2' | Send-KernelTalkMessage -Room $room
            $got = @(Receive-KernelTalkMessage -Room $room -NoWait)
            ($got | ForEach-Object Text) -join ',' | Should -Be 'r1,r2'
        }

        It 'Should stamp sender uid, name, pid, process, room, time and sequence' {
            $room = New-TestRoom
            $before = [DateTimeOffset]::Now.AddSeconds(-5)
            'stamped' | Send-KernelTalkMessage -Room $room
            $m = Receive-KernelTalkMessage -Room $room -NoWait
            $m | Should -BeOfType ([KernelTalk.Message])
            $m.SenderUid | Should -Be 0
            $m.SenderName | Should -BeExactly 'root'
            $m.Sender | Should -BeExactly 'root'
            $m.SenderPid | Should -Be $PID
            $m.Process | Should -BeExactly (Get-ProcessComm)
            $m.Room | Should -BeExactly $room
            $m.Sequence | Should -Be 1
            $m.Length | Should -Be 7
            $m.Lost | Should -Be 0
            $m.Time | Should -BeGreaterThan $before
            $m.Time | Should -BeLessThan ([DateTimeOffset]::Now.AddSeconds(5))
        }

        It 'Should carry the Origin of a relayed message and keep the kernel stamps of its bridge' {
            $room = New-TestRoom
            Send-Relayed $room 'from afar'
            'local' | Send-KernelTalkMessage -Room $room
            $relayed, $local = @(Receive-KernelTalkMessage -Room $room -NoWait)
            $relayed.Text | Should -BeExactly 'from afar'
            $relayed.Length | Should -Be 9
            $relayed.Sender | Should -BeExactly 'alice@hostb'
            $relayed.Origin | Should -BeOfType ([KernelTalk.MessageOrigin])
            $relayed.Origin.Host | Should -BeExactly 'hostb'
            $relayed.Origin.User | Should -BeExactly 'alice'
            $relayed.Origin.Uid | Should -Be 1001
            $relayed.Origin.Pid | Should -Be 4242
            $relayed.Origin.Process | Should -BeExactly 'pwsh'
            $relayed.Origin.Sequence | Should -Be 7
            $relayed.Origin.Time | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds(1764590400))
            $relayed.SenderName | Should -BeExactly 'root'
            $relayed.Process | Should -BeExactly 'perl'
            $local.Origin | Should -BeNullOrEmpty
            $local.Sender | Should -BeExactly 'root'
            Receive-KernelTalkMessage -Room $room -NoWait -History -Raw | Should -Be @('from afar', 'local')
        }

        It 'Should mark messages from another file as not own' {
            $room = New-TestRoom
            'theirs' | Send-KernelTalkMessage -Room $room
            (Receive-KernelTalkMessage -Room $room -NoWait).IsOwn | Should -BeFalse
        }

        It 'Should emit the text only with -Raw' {
            $room = New-TestRoom
            'raw text' | Send-KernelTalkMessage -Room $room
            $r = Receive-KernelTalkMessage -Room $room -NoWait -Raw
            $r | Should -BeOfType ([string])
            $r | Should -BeExactly 'raw text'
        }

        It 'Should stop after -Count messages' {
            $room = New-TestRoom
            1..5 | ForEach-Object { "c$_" } | Send-KernelTalkMessage -Room $room
            @(Receive-KernelTalkMessage -Room $room -History -Count 3) | Should -HaveCount 3
        }

        It 'Should end quietly after -Timeout with nothing to read' {
            $room = New-TestRoom
            $err = $null
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            $got = @(Receive-KernelTalkMessage -Room $room -Timeout 1 -ErrorVariable err)
            $sw.Stop()
            $got | Should -HaveCount 0
            $err | Should -HaveCount 0
            $sw.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        }

        It 'Should decode with -Encoding' {
            $room = New-TestRoom
            'latin' | Send-KernelTalkMessage -Room $room -Encoding latin1
            (Receive-KernelTalkMessage -Room $room -NoWait -Encoding latin1).Text | Should -BeExactly 'latin'
        }
    }

    Context 'Sessions and history' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should see only new traffic in a new session, and all with -History' {
            $room = New-TestRoom
            'old' | Send-KernelTalkMessage -Room $room
            $s = Connect-KernelTalk -Room $room
            try {
                'new' | Send-KernelTalkMessage -Room $room
                (Receive-KernelTalkMessage -Session $s -NoWait | ForEach-Object Text) -join ',' | Should -Be 'new'
                (Receive-KernelTalkMessage -Session $s -NoWait -History | ForEach-Object Text) -join ',' | Should -Be 'old,new'
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should return only what arrived since the last call with -Session -NoWait' {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room
            try {
                'first' | Send-KernelTalkMessage -Room $room
                (Receive-KernelTalkMessage -Session $s -NoWait).Text | Should -Be 'first'
                @(Receive-KernelTalkMessage -Session $s -NoWait) | Should -HaveCount 0
                'second' | Send-KernelTalkMessage -Room $room
                (Receive-KernelTalkMessage -Session $s -NoWait).Text | Should -Be 'second'
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should not receive own messages in a -NoEcho session' {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room -NoEcho
            try {
                'mine' | Send-KernelTalkMessage -Session $s
                'other' | Send-KernelTalkMessage -Room $room
                (Receive-KernelTalkMessage -Session $s -NoWait | ForEach-Object Text) -join ',' | Should -Be 'other'
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should report messages lost under the Overwrite policy' {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room -Policy Overwrite
            try {
                # Post until the first message is overwritten (the kernel's
                # count of what a message costs decides when), then two more.
                $payload = 'o' * $MaxMsg
                $posted = 0
                while ((Get-KernelTalkRoom -Session $s).Dropped -eq 0 -and $posted -lt 1000) {
                    $payload | Send-KernelTalkMessage -Room $room -NoWait
                    $posted++
                }
                $fits = (Get-KernelTalkRoom -Session $s).Messages
                1..2 | ForEach-Object { $payload } | Send-KernelTalkMessage -Room $room -NoWait
                $warn = $null
                $got = @(Receive-KernelTalkMessage -Session $s -NoWait -WarningVariable warn -WarningAction SilentlyContinue)
                $got | Should -HaveCount $fits
                $got[0].Lost | Should -Be 3
                $got[0].Sequence | Should -Be 4
                $warn | Should -HaveCount 1
                (Get-KernelTalkRoom -Name $room).Dropped | Should -Be 3
            }
            finally { Disconnect-KernelTalk $s }
        }
    }

    Context 'Stopping' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should end a blocked Receive at once on Stop()' {
            $room = New-TestRoom
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModuleManifest).AddStatement().
                    AddCommand('Receive-KernelTalkMessage').AddParameter('Room', $room)
                $null = $ps.BeginInvoke()
                # The receiver is a member once it has opened and joined; then it sits in poll().
                $deadline = [DateTime]::UtcNow.AddSeconds(120)
                while ([DateTime]::UtcNow -lt $deadline -and
                    @(Get-KernelTalkRoom -Name $room -ErrorAction SilentlyContinue | Where-Object Members -ge 1).Count -eq 0) {
                    Start-Sleep -Milliseconds 50
                }
                Start-Sleep -Milliseconds 300
                $ps.InvocationStateInfo.State | Should -Be 'Running'
                # Without -Timeout the receive would wait forever: ending
                # within seconds means Stop() woke its poll(). The latency
                # itself is for the log (TCG and a loaded host distort it).
                $sw = [System.Diagnostics.Stopwatch]::StartNew()
                $stopping = $ps.BeginStop($null, $null)
                $stopping.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(10)) | Should -BeTrue
                $sw.Stop()
                Write-Host "# Stop() latency of a blocked Receive: $([math]::Round($sw.Elapsed.TotalMilliseconds, 1)) ms"
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                # The receiver's file is closed: the room has no member left
                # (an empty room with no members is freed, hence the wildcard).
                @(Get-KernelTalkRoom -Name "$room*" | Where-Object Members -gt 0) | Should -HaveCount 0
            }
            finally { $ps.Dispose() }
        }
    }

    Context 'Errors' {
        It 'Should write DeviceNotFound for a missing device' {
            { Receive-KernelTalkMessage -Path /dev/kerneltalk-missing -NoWait -ErrorAction Stop } |
                Should -Throw -ErrorId "DeviceNotFound,$Id"
        }

        It 'Should write SessionClosed for a disconnected session' {
            Skip-WithoutDevice
            $s = Connect-KernelTalk -Room (New-TestRoom)
            Disconnect-KernelTalk $s
            { Receive-KernelTalkMessage -Session $s -NoWait -ErrorAction Stop } | Should -Throw -ErrorId "SessionClosed,$Id"
        }

        It 'Should write SessionSendOnly for a -SendOnly session' {
            Skip-WithoutDevice
            $s = Connect-KernelTalk -Room (New-TestRoom) -SendOnly
            try {
                { Receive-KernelTalkMessage -Session $s -NoWait -ErrorAction Stop } | Should -Throw -ErrorId "SessionSendOnly,$Id"
            }
            finally { Disconnect-KernelTalk $s }
        }

        It 'Should reject -Count 0' {
            { Receive-KernelTalkMessage -Count 0 -NoWait } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
        }
    }
}
