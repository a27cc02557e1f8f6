#!/bin/bash
# pgha fencer: stops the local PostgreSQL when the leader lease the agent last renewed runs out, whether or not the
# agent itself still runs (killed, frozen by SIGSTOP, stuck in a long GC). It is a separate process on purpose: a
# guard inside the agent's JVM stops with the JVM.
#
# usage: pgha-fencer.sh STATE_FILE AGENT_PID
# STATE_FILE holds "deadline=<centiseconds of /proc/uptime>" (0: disarmed), "postmaster=<pid>" and "stop=0|1"; the
# agent rewrites it atomically. /proc/uptime is a monotonic clock: wall-clock jumps do not move the deadline.
# The loop runs only shell builtins (no process is forked while nothing happens) and wakes only when it must: at the
# deadline it last read (the agent moves it later with each renewal, which needs no wake-up: the fencer re-reads the
# state file at the old deadline and sleeps on to the new one), when the agent writes a line to the fencer.tick FIFO
# (it does so when it arms from disarmed, moves the deadline earlier, or stops), and every IDLE_NAP seconds while
# disarmed, only to notice that the agent is gone and exit.
set -u
state=$1
agent=$2
dir=${state%/*}
tick="$dir/fencer.tick"
IDLE_NAP=10
echo $$ > "$dir/fencer.pid"
[ -p "$tick" ] || mkfifo -m 600 "$tick"
exec 3<>"$tick"

log() {
    echo "$(date '+%Y-%m-%d %H:%M:%S') pgha-fencer[$$]: $*"
}

# running and not a zombie
alive() {
    local line rest
    read -r line < "/proc/$1/stat" 2>/dev/null || return 1
    rest=${line##*) }
    [ "${rest:0:1}" != Z ] && [ "${rest:0:1}" != X ]
}

nap() {
    read -r -t "$1" -u 3 _ 2>/dev/null
}

fence() {
    local pm=$1 kids="" p line rest
    alive "$pm" || return 0
    # the backends are found before the postmaster goes: an orphaned backend could still finish a commit
    for p in /proc/[0-9]*/stat; do
        read -r line < "$p" 2>/dev/null || continue
        rest=${line##*) }
        set -- $rest
        [ "$2" = "$pm" ] && { p=${p#/proc/}; kids="$kids ${p%/stat}"; }
    done
    log "the leader lease ran out without a renewal: stopping PostgreSQL (postmaster $pm) immediately"
    kill -QUIT "$pm" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        alive "$pm" || break
        nap 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL "$pm" $kids 2>/dev/null
    log "fenced postmaster $pm"
}

log "started for agent $agent"
fenced_for=""
while :; do
    deadline=0 postmaster=0 stop=0
    while IFS='=' read -r key value; do
        case $key in
            deadline) deadline=$value ;;
            postmaster) postmaster=$value ;;
            stop) stop=$value ;;
        esac
    done < "$state"
    if [ "$stop" = 1 ]; then
        log "the agent stopped gracefully; exiting"
        exit 0
    fi
    read -r up _ < /proc/uptime
    now=${up/./}
    now=$((10#$now))
    if [ "$deadline" -gt 0 ] && [ "$now" -ge "$deadline" ] && [ "$fenced_for" != "$deadline" ]; then
        fence "$postmaster"
        fenced_for=$deadline
    fi
    if [ "$deadline" -eq 0 ] || [ "$fenced_for" = "$deadline" ]; then
        if ! alive "$agent"; then
            log "the agent $agent is gone and nothing is armed; exiting"
            exit 0
        fi
        nap "$IDLE_NAP"
    else
        # sleep until the deadline (centiseconds as seconds.cc), or until the agent writes to the FIFO
        left=$((deadline - now))
        [ "$left" -gt $((IDLE_NAP * 100)) ] && left=$((IDLE_NAP * 100))
        [ "$left" -lt 1 ] && left=1
        printf -v frac '%02d' $((left % 100))
        nap "$((left / 100)).$frac"
    fi
done
