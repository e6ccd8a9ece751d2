#!/bin/sh
# tests/crash/summary.sh - the counts of tests/crash/kill9.sh in words.
# Reads "# crash-stats: key=value ..." lines on stdin (one per run of
# kill9.sh) and prints their sums.
awk '
	/^# crash-stats:/ {
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			s[kv[1]] += kv[2]
		}
	}
	END {
		killed = s["killed-report"] + s["killed-fetch"] + s["killed-send"]
		dup = s["dup-report-in-flight"] + s["dup-fetch-in-flight"] + \
		    s["dup-send-in-flight"] + s["dup-smtp-in-flight"] + s["dup-unexplained"]
		printf "# crash: trials %d, failed %d\n", s["trials"], s["failed"]
		printf "# crash: runs of bpt-report, bpt-report fetch and bpt-send %d, killed %d (bpt-report %d, fetch %d, bpt-send %d)\n",
		    s["runs"], killed, s["killed-report"], s["killed-fetch"], s["killed-send"]
		printf "# crash: kills of bpt-report on stdin landed before its raw bytes were committed %d, between that and the main commit %d, after the main commit %d, in a retry of a stored mail %d\n",
		    s["killed-before-raw"], s["killed-parse-window"], s["killed-after-commit"],
		    s["killed-retry-of-stored"]
		printf "# crash: mails %d (%d through overlapping fetch runs), lost %d (not in the store after exit 0: %d), copies that never reached the relay %d\n",
		    s["trials"] * 5, s["fetch"], s["lost"] + s["lost-at-exit"], s["lost-at-exit"],
		    s["missing-copy"]
		printf "# crash: retries recognised: same bytes %d, other bytes by Message-ID %d; raw rows left unfinished by a retry with other bytes %d; temporary failures %d\n",
		    s["retry-same-bytes"], s["retry-other-bytes"], s["unfinished-rows"], s["tempfail"]
		printf "# crash: mails processed twice (a second incident or copy for every member) %d\n",
		    s["processed-twice"]
		printf "# crash: copies delivered twice %d: in flight when bpt-report was killed %d, when bpt-report fetch was killed %d, when bpt-send was killed %d, smtp (in flight at some kill) %d, unexplained %d\n",
		    dup, s["dup-report-in-flight"], s["dup-fetch-in-flight"], s["dup-send-in-flight"],
		    s["dup-smtp-in-flight"], s["dup-unexplained"]
		printf "# crash: copies held by a reused pid until the lease %d\n", s["pid-reuse"]
	}'
