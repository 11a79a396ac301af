# SPDX-License-Identifier: GPL-2.0
# Send-KernelTalkMessage against the real device (run inside the VM).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Id = 'KernelTalk.Commands.SendKernelTalkMessageCommand'
    $MaxMsg = Get-ModuleParameter 'max_msg'

    # Posts max_msg messages into $Room until its ring is full (the
    # kernel's count of what a message costs decides how many fit); a
    # reader session of the caller's holds them, so the next post has to wait.
    function Set-RoomFull([string] $Room) {
        $payload = 'f' * $MaxMsg
        $fits = 0
        while ($fits -lt 1000) {
            $err = $null
            $payload | Send-KernelTalkMessage -Room $Room -NoWait -ErrorAction SilentlyContinue -ErrorVariable err
            if ($err) {
                $err[0].FullyQualifiedErrorId | Should -BeLike 'RoomFull,*'
                break
            }
            $fits++
        }
        $fits | Should -BeGreaterThan 0
        $fits | Should -BeLessThan 1000 -Because 'a room of bounded capacity fills up'
        [pscustomobject]@{ Payload = $payload; Fits = $fits }
    }
}

Describe 'Send-KernelTalkMessage' {
    Context 'Posting' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should post each piped string as one message, in order' {
            $room = New-TestRoom
            'one', 'two', 'three' | Send-KernelTalkMessage -Room $room
            $got = @(Receive-KernelTalkMessage -Room $room -NoWait)
            $got | Should -HaveCount 3
            ($got | ForEach-Object Text) -join ',' | Should -Be 'one,two,three'
            $got[1].Sequence | Should -Be ($got[0].Sequence + 1)
        }

        It 'Should post through one open file for the whole pipeline' {
            $room = New-TestRoom
            $probe = Connect-KernelTalk -Room $room -SendOnly
            try {
                # members counts open files: the probe plus Send's one file while it runs.
                $members = 'a', 'b' | Send-KernelTalkMessage -Room $room -PassThru |
                    ForEach-Object { (Get-KernelTalkRoom -Name $room).Members }
                $members | Should -Be @(2, 2)
            }
            finally { Disconnect-KernelTalk $probe }
        }

        It 'Should post a piped KernelTalk.Message again by its Text' {
            $from = New-TestRoom
            $to = New-TestRoom
            'forward me' | Send-KernelTalkMessage -Room $from
            Receive-KernelTalkMessage -Room $from -NoWait | Send-KernelTalkMessage -Room $to
            (Receive-KernelTalkMessage -Room $to -NoWait).Text | Should -BeExactly 'forward me'
        }

        It 'Should post a byte array as one message with -AsByteStream' {
            $room = New-TestRoom
            , [byte[]](0, 1, 2, 255) | Send-KernelTalkMessage -Room $room -AsByteStream
            $m = Receive-KernelTalkMessage -Room $room -NoWait
            $m.Length | Should -Be 4
            [System.BitConverter]::ToString($m.Bytes) | Should -Be '00-01-02-FF'
        }

        It 'Should gather single piped bytes into one message' {
            $room = New-TestRoom
            [System.Text.Encoding]::ASCII.GetBytes('bytes') | Send-KernelTalkMessage -Room $room -AsByteStream
            $got = @(Receive-KernelTalkMessage -Room $room -NoWait)
            $got | Should -HaveCount 1
            $got[0].Text | Should -BeExactly 'bytes'
        }

        It 'Should encode text with -Encoding <Encoding>' -ForEach @(
            @{ Encoding = 'utf8'; Length = 6 }
            @{ Encoding = 'unicode'; Length = 10 }
            @{ Encoding = 'utf32'; Length = 20 }
        ) {
            $room = New-TestRoom
            'héllo' | Send-KernelTalkMessage -Room $room -Encoding $Encoding
            $m = Receive-KernelTalkMessage -Room $room -NoWait -Encoding $Encoding
            $m.Length | Should -Be $Length
            $m.Text | Should -BeExactly 'héllo'
        }

        It 'Should post nothing for an empty string' {
            $room = New-TestRoom
            '', 'x' | Send-KernelTalkMessage -Room $room
            @(Receive-KernelTalkMessage -Room $room -NoWait) | Should -HaveCount 1
        }

        It 'Should return the sent message with -PassThru' {
            $room = New-TestRoom
            $m = Send-KernelTalkMessage -Room $room -Text 'mine' -PassThru
            $m | Should -BeOfType ([KernelTalk.Message])
            $m.Text | Should -BeExactly 'mine'
            $m.Room | Should -BeExactly $room
            $m.IsOwn | Should -BeTrue
            $m.SenderPid | Should -Be $PID
            $m.Process | Should -BeExactly (Get-ProcessComm)
        }

        It 'Should return with -PassThru the sequence numbers and times the readers see' {
            $room = New-TestRoom
            'before' | Send-KernelTalkMessage -Room $room
            $sent = @('a', 'b' | Send-KernelTalkMessage -Room $room -PassThru)
            $got = @(Receive-KernelTalkMessage -Room $room -NoWait | Select-Object -Skip 1)
            $sent | Should -HaveCount 2
            $got | Should -HaveCount 2
            $sent[0].Sequence | Should -BeGreaterThan 1
            ($sent | ForEach-Object Sequence) | Should -Be ($got | ForEach-Object Sequence)
            ($sent | ForEach-Object { $_.Time.UtcTicks }) | Should -Be ($got | ForEach-Object { $_.Time.UtcTicks })
            ($sent | ForEach-Object Text) | Should -Be ($got | ForEach-Object Text)
        }

        It 'Should post through a session' {
            $room = New-TestRoom
            $s = Connect-KernelTalk -Room $room
            try {
                'via session' | Send-KernelTalkMessage -Session $s
                $m = Receive-KernelTalkMessage -Session $s -NoWait
                $m.Text | Should -BeExactly 'via session'
                $m.IsOwn | Should -BeTrue
            }
            finally { Disconnect-KernelTalk $s }
        }
    }

    Context 'Errors' {
        It 'Should write MessageTooLong stating the limit' {
            Skip-WithoutDevice
            $room = New-TestRoom
            { 'x' * ($MaxMsg + 1) | Send-KernelTalkMessage -Room $room -ErrorAction Stop } |
                Should -Throw -ErrorId "MessageTooLong,$Id"
            $err = $null
            'x' * ($MaxMsg + 1) | Send-KernelTalkMessage -Room $room -ErrorAction SilentlyContinue -ErrorVariable err
            $err[0].Exception.Message | Should -Match "at most $MaxMsg bytes"
            $err[0].TargetObject | Should -Be '/dev/kerneltalk'
            $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        }

        It 'Should go on with the next item after a failing one' {
            Skip-WithoutDevice
            $room = New-TestRoom
            $err = $null
            'before', ('x' * ($MaxMsg + 1)), 'after' |
                Send-KernelTalkMessage -Room $room -ErrorAction SilentlyContinue -ErrorVariable err
            $err | Should -HaveCount 1
            (Receive-KernelTalkMessage -Room $room -NoWait | ForEach-Object Text) -join ',' | Should -Be 'before,after'
        }

        It 'Should write RoomFull under -NoWait when a reader holds the room full' {
            Skip-WithoutDevice
            $room = New-TestRoom
            $reader = Connect-KernelTalk -Room $room
            try {
                $full = Set-RoomFull $room
                $err = $null
                $full.Payload | Send-KernelTalkMessage -Room $room -NoWait -ErrorAction SilentlyContinue -ErrorVariable err
                $err | Should -HaveCount 1
                $err[0].FullyQualifiedErrorId | Should -Be "RoomFull,$Id"
                $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
                (Get-KernelTalkRoom -Name $room).Messages | Should -Be $full.Fits
            }
            finally { Disconnect-KernelTalk $reader }
        }

        It 'Should write SendTimedOut after -Timeout when the room stays full' {
            Skip-WithoutDevice
            $room = New-TestRoom
            $reader = Connect-KernelTalk -Room $room
            try {
                $full = Set-RoomFull $room
                $sw = [System.Diagnostics.Stopwatch]::StartNew()
                { $full.Payload | Send-KernelTalkMessage -Room $room -Timeout 0.5 -ErrorAction Stop } |
                    Should -Throw -ErrorId "SendTimedOut,$Id"
                $sw.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.5
            }
            finally { Disconnect-KernelTalk $reader }
        }

        It 'Should post once the reader makes space' {
            Skip-WithoutDevice
            $room = New-TestRoom
            $reader = Connect-KernelTalk -Room $room
            try {
                $full = Set-RoomFull $room
                $null = Receive-KernelTalkMessage -Session $reader -Count 2
                { $full.Payload | Send-KernelTalkMessage -Room $room -NoWait -ErrorAction Stop } | Should -Not -Throw
            }
            finally { Disconnect-KernelTalk $reader }
        }

        It 'Should reject a bad room name <Name>' -ForEach @(
            @{ Name = 'with space' }
            @{ Name = 'a' * 32 }
            @{ Name = 'slash/room' }
        ) {
            { Send-KernelTalkMessage -Room $Name -Text x } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
        }

        It 'Should write DeviceNotFound for a missing device' {
            { 'x' | Send-KernelTalkMessage -Path /dev/kerneltalk-missing -ErrorAction Stop } |
                Should -Throw -ErrorId "DeviceNotFound,$Id"
        }

        It 'Should write NotKernelTalkDevice for another driver''s node' {
            { 'x' | Send-KernelTalkMessage -Path /dev/null -ErrorAction Stop } |
                Should -Throw -ErrorId "NotKernelTalkDevice,$Id"
        }

        It 'Should write BytesExpected for text under -AsByteStream' {
            Skip-WithoutDevice
            $room = New-TestRoom
            { Send-KernelTalkMessage -Room $room -AsByteStream -InputObject 'text' -ErrorAction Stop } |
                Should -Throw -ErrorId "BytesExpected,$Id"
        }
    }

    Context 'Resources' {
        BeforeEach { Skip-WithoutDevice }

        It 'Should leak no file descriptor over 5000 Send calls' {
            $room = New-TestRoom
            $before = Get-FdCount
            foreach ($i in 1..5000) { Send-KernelTalkMessage -Room $room -Text "m$i" }
            $after = Get-FdCount
            Write-Host "# fd count before/after 5000 Send calls: $before/$after"
            ($after - $before) | Should -BeLessOrEqual 2
            (Get-KernelTalkRoom -Name $room).Posted | Should -Be 5000
        }
    }
}
