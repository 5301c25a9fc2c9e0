/* SPDX-License-Identifier: BSD-2-Clause */
#include "options.h"

void elog_usage(FILE *f)
{
	fputs("usage: elog [options]\n"
	      "       elog -c provider [level] [keywords] [-c ...] [-b size] [-D] [-s]\n"
	      "            [-o file [--rotate-size N] [--rotate-events N] | -o dir=PATH [-f tcp]]\n"
	      "            [--json] [--duration seconds] [-d] [-e] [-n] [-p] [-t] [--delta-time]\n"
	      "       elog -r file [file ...] [--json | --pcapng out.pcapng] [-d] [-e] [-n] [-p] [-s] [-t]\n"
	      "            [--delta-time]\n"
	      "\n"
	      "  -c, --capture provider [level] [keywords]\n"
	      "                        subscribe to a provider; level NONE, ERROR, WARN, INFO,\n"
	      "                        VERBOSE (default), TRACE or 0-5; keywords NAME|NAME or\n"
	      "                        0x... (default all); SESSION is always included\n"
	      "  -b, --buffer-size N   per-CPU buffer, K/M/G suffixes, 64KB to 1023MB per CPU\n"
	      "                        (default 512K)\n"
	      "  -D, --dump-state      replay the state of every enabled connection first\n"
	      "  -o, --output file     write a binary capture instead of text (.gz, .zst compress)\n"
	      "  -o, --output dir=PATH write one binary capture per session into PATH\n"
	      "  -f, --format tcp      with dir=PATH: name files <log_id>_<lport>_<rip>_<rport>.elog\n"
	      "      --rotate-size N   with -o file: start a numbered file before N bytes (K/M/G)\n"
	      "      --rotate-events N with -o file: start a numbered file every N events\n"
	      "      --duration N      stop after N seconds (0: until SIGINT/SIGTERM)\n"
	      "  -r, --read-binary file [file ...]\n"
	      "                        decode captures in order (.gz/.zst decompressed, - for stdin)\n"
	      "      --json            JSON Lines instead of text lines\n"
	      "      --pcapng out      with -r: export as pcapng for Wireshark/tshark\n"
	      "  -d, --date            show the date in timestamps\n"
	      "  -e, --event-name      show the event name\n"
	      "  -n, --event-number    number the events\n"
	      "  -t, --relative-time   show the time since the first event\n"
	      "      --delta-time      show the time since the previous event\n"
	      "  -p, --providers       list the providers on stderr\n"
	      "  -s, --stats           print statistics on stderr at the end\n"
	      "  -h, --help            this text\n",
	      f);
}
