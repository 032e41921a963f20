# bash completion for "ovs-appctl container-map/..." (ovs-container-map).
#
# Installed as .../bash-completion/completions/ovs-appctl, so bash-completion
# loads it the first time ovs-appctl is completed; "source" it to try it.
# It completes:
#   - the command: the commands of the target daemon ("ovs-appctl
#     list-commands"), or our container-map/* commands when the daemon cannot
#     be asked (not running, no permission);
#   - arguments of container-map/*: bridge names ("ovs-vsctl list-br"),
#     protocols, port names of the bridge, the file of container-map/load;
#     commands added later get bridge names as first argument.
# Arguments of other commands go to Open vSwitch's own completer when it is
# loaded (ovs-appctl-bashcomp.bash), else to file names.

_ovs_cm_static_commands="container-map/add container-map/del
    container-map/show container-map/flush container-map/load
    container-map/set-flows container-map/database"

# Prints the bridge names, one a line.
_ovs_cm_bridges()
{
    ovs-vsctl --timeout=2 list-br 2>/dev/null
}

# Prints the ports of bridge $1 (its local port included), one a line.
_ovs_cm_ports()
{
    echo "$1"
    ovs-vsctl --timeout=2 list-ports "$1" 2>/dev/null
}

_ovs_cm_appctl()
{
    local cur words cword
    if declare -F _get_comp_words_by_ref > /dev/null; then
        # bash-completion: keeps "02:00:..." and "--target=x" one word.
        _get_comp_words_by_ref -n := cur words cword
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    # Skip the options before the command; -t and -T take a value.
    local i=1 target=() cmd= cmdpos=
    while ((i < cword)); do
        case ${words[i]} in
            -t|--target) target=(--target="${words[i + 1]}"); ((i += 2)); continue ;;
            --target=*) target=("${words[i]}") ;;
            -T|--timeout) ((i += 2)); continue ;;
            -*) ;;
            *) cmd=${words[i]}; cmdpos=$i; break ;;
        esac
        ((i++))
    done

    COMPREPLY=()
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--target --timeout --help --version" \
                         -- "$cur"))
            return 0
        fi
        local cmds
        cmds=$(ovs-appctl "${target[@]}" --timeout=2 list-commands \
                   2>/dev/null | awk 'NR > 1 { print $1 }')
        COMPREPLY=($(compgen -W "${cmds:-$_ovs_cm_static_commands}" \
                     -- "$cur"))
        return 0
    fi

    # The argument being completed: 1 for the first after the command.
    local arg=$((cword - cmdpos))
    case $cmd,$arg in
        container-map/database,*) ;;
        container-map/*,1)
            COMPREPLY=($(compgen -W "$(_ovs_cm_bridges)" -- "$cur")) ;;
        container-map/add,3 | container-map/del,3)
            COMPREPLY=($(compgen -W "tcp udp sctp" -- "$cur")) ;;
        container-map/add,6)
            COMPREPLY=($(compgen -W "$(_ovs_cm_ports "${words[cmdpos + 1]}")" \
                         -- "$cur")) ;;
        container-map/load,2 | container-map/set-flows,2)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur")) ;;
        container-map/*) ;;
        *)
            if declare -F _ovs_command_complete > /dev/null; then
                _ovs_command_complete
            else
                compopt -o default 2>/dev/null
            fi
            ;;
    esac
    return 0
}

complete -F _ovs_cm_appctl ovs-appctl
