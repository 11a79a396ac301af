// SPDX-License-Identifier: GPL-2.0
using System;
using System.Buffers;
using System.IO;
using System.Management.Automation;
using System.Text;
using KernelTalk.Device;

namespace KernelTalk.Commands
{
    /// <summary>
    /// Posts each pipeline item as one message.  Text is encoded (UTF-8 by
    /// default); with -AsByteStream byte arrays go as they are, and single
    /// bytes piped one by one are gathered into one message, so
    /// [IO.File]::ReadAllBytes($f) | Send-KernelTalkMessage -AsByteStream
    /// posts the file once.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "KernelTalkMessage", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(Message))]
    public sealed class SendKernelTalkMessageCommand : KernelTalkCommandBase
    {
        private const string PathBytesSet = "PathBytes";
        private const string SessionBytesSet = "SessionBytes";

        private MemoryStream? _pendingBytes;
        private Session.Lease? _lease;
        private byte[]? _encoded; // pooled, one per command: a line per item must not cost a buffer per item

        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = SessionSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowEmptyCollection]
        [TextTransformation]
        public string[] Text { get; set; } = Array.Empty<string>();

        /// <summary>With -AsByteStream: a byte array (one message) or single bytes (gathered into one).</summary>
        [Parameter(ParameterSetName = PathBytesSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = SessionBytesSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public object? InputObject { get; set; }

        [Parameter(ParameterSetName = PathBytesSet, Mandatory = true)]
        [Parameter(ParameterSetName = SessionBytesSet, Mandatory = true)]
        public SwitchParameter AsByteStream { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = PathBytesSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = DefaultPath;

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = PathBytesSet)]
        [ValidateRoomName]
        [ArgumentCompleter(typeof(RoomCompleter))]
        public string Room { get; set; } = string.Empty;

        [Parameter(ParameterSetName = SessionSet, Mandatory = true)]
        [Parameter(ParameterSetName = SessionBytesSet, Mandatory = true)]
        [ValidateNotNull]
        public Session? Session { get; set; }

        /// <summary>Fail with RoomFull instead of waiting when the room has no space.</summary>
        [Parameter]
        public SwitchParameter NoWait { get; set; }

        /// <summary>Seconds to wait for space per message before SendTimedOut; default: no limit.</summary>
        [Parameter]
        [ValidateRange(0.0, 2147483.0)]
        public double Timeout { get; set; } = -1;

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = SessionSet)]
        [EncodingTransformation]
        [ArgumentCompleter(typeof(EncodingCompleter))]
        [ValidateNotNull]
        public Encoding Encoding { get; set; } = new UTF8Encoding(false);

        /// <summary>Emit a Message object per posted message.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            if (Session is null)
            {
                OpenOwnDevice();
                return;
            }
            try
            {
                _lease = Session.Acquire();
            }
            catch (KernelTalkException ex)
            {
                ReportUnavailable(ex, Session);
            }
        }

        protected override void ProcessRecord()
        {
            if (AsByteStream)
            {
                ProcessBytes(InputObject is PSObject ps ? ps.BaseObject : InputObject);
                return;
            }
            foreach (string text in Text)
            {
                SendText(text ?? string.Empty);
            }
        }

        protected override void EndProcessing()
        {
            FlushPendingBytes();
            _lease?.Dispose();
            _lease = null;
            CloseOwnDevice();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _lease?.Dispose();
                _lease = null;
                if (_encoded is not null)
                {
                    ArrayPool<byte>.Shared.Return(_encoded);
                    _encoded = null;
                }
            }
            base.Dispose(disposing);
        }

        /// <summary>Write-only: a sender never holds the room's ring back.</summary>
        private KernelTalkDevice? OpenOwnDevice() => OpenOwnDevice(Path, new DeviceOpenOptions { Room = Room, WriteOnly = true });

        private void ProcessBytes(object? item)
        {
            switch (item)
            {
                case byte b:
                    (_pendingBytes ??= new MemoryStream()).WriteByte(b);
                    break;
                case byte[] bytes:
                    FlushPendingBytes();
                    Post(bytes, bytes.Length, bytes);
                    break;
                default:
                    FlushPendingBytes();
                    WriteKernelTalkError(new KernelTalkException(
                        DeviceErrors.Format(Resources.Strings.BytesExpected, item?.GetType().FullName ?? "null"),
                        ErrorIds.BytesExpected, ErrorCategory.InvalidType, null, 0, Resources.Strings.BytesExpectedAction),
                        item);
                    break;
            }
        }

        private void FlushPendingBytes()
        {
            if (_pendingBytes is { Length: > 0 })
            {
                byte[] bytes = _pendingBytes.ToArray();
                _pendingBytes.SetLength(0);
                Post(bytes, bytes.Length, bytes);
            }
        }

        private void SendText(string text)
        {
            int max = Math.Max(Encoding.GetMaxByteCount(text.Length), 1);
            if (_encoded is null || _encoded.Length < max)
            {
                if (_encoded is not null)
                {
                    ArrayPool<byte>.Shared.Return(_encoded);
                }
                _encoded = ArrayPool<byte>.Shared.Rent(max);
            }
            int count = Encoding.GetBytes(text, 0, text.Length, _encoded, 0);
            Post(_encoded, count, text);
        }

        private void Post(byte[] buffer, int count, object target)
        {
            // Without a member nothing is sent; the one error is written already.
            KernelTalkDevice? device = _lease?.Device ?? OpenOwnDevice();
            if (device is null)
            {
                return;
            }

            try
            {
                var deadline = Deadline.After(Timeout >= 0 ? TimeSpan.FromSeconds(Timeout) : null);
                switch (device.Send(buffer, count, wait: !NoWait, deadline, StopToken, out var stamp))
                {
                    case SendStatus.Posted:
                        if (PassThru)
                        {
                            WriteObject(MessageFactory.ForSent(buffer, count, stamp, device.Room, Encoding));
                        }
                        break;
                    case SendStatus.Empty:
                        WriteVerbose(Resources.Strings.EmptyMessage);
                        break;
                    case SendStatus.Cancelled:
                        return;
                }
            }
            catch (KernelTalkException ex)
            {
                // Per item: the rest of the pipeline goes on.
                WriteKernelTalkError(ex, target);
            }
        }
    }
}
