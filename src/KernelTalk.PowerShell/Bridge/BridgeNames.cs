// SPDX-License-Identifier: GPL-2.0
using System.Text;

namespace KernelTalk.Bridge
{
    /// <summary>
    /// The JetStream names one bridged room uses.  A room's subject S (default
    /// kerneltalk.ROOM) has one subject per host, S.HOST, where that host's
    /// bridge publishes; the stream KT_S holds S.* and each host reads it
    /// through its durable consumer HOST.  Names are escaped reversibly
    /// (<see cref="Token"/>), so two different hosts or subjects never share
    /// a consumer or stream by accident.
    /// </summary>
    internal static class BridgeNames
    {
        public static string DefaultSubject(string room) => "kerneltalk." + room;

        public static string HostSubject(string subject, string host) => subject + "." + Token(host);

        public static string StreamSubjects(string subject) => subject + ".*";

        public static string Stream(string subject) => "KT_" + Token(subject);

        public static string Consumer(string host) => Token(host);

        /// <summary>
        /// One NATS token, usable in a subject and as a stream or consumer name:
        /// ASCII letters, digits and '-' stay, every other byte of the UTF-8 is
        /// _XX (hex), '_' itself too, so the mapping can be undone.
        /// </summary>
        public static string Token(string name)
        {
            var sb = new StringBuilder(name.Length);
            foreach (byte b in Encoding.UTF8.GetBytes(name))
            {
                bool plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-';
                if (plain)
                {
                    sb.Append((char)b);
                }
                else
                {
                    sb.Append('_').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            return sb.ToString();
        }
    }
}
