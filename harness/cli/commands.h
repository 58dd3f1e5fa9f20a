/* commands.h — every subcommand of build/stvit is `int hx_cmd_NAME(argc, argv)`
 * (argv[0] is the command name) in harness/cmd_NAME.c; it returns the exit status.
 * main.c holds the one table of them. */
#ifndef HX_COMMANDS_H
#define HX_COMMANDS_H
int hx_cmd_infer(int argc, char **argv);
int hx_cmd_classify(int argc, char **argv);
int hx_cmd_flops(int argc, char **argv);
int hx_cmd_backends(int argc, char **argv);
int hx_cmd_bench(int argc, char **argv);
int hx_cmd_peak(int argc, char **argv);
int hx_cmd_opbench(int argc, char **argv);
int hx_cmd_plot(int argc, char **argv);
int hx_cmd_merge(int argc, char **argv);
int hx_cmd_ablate(int argc, char **argv);
int hx_cmd_viz(int argc, char **argv);
int hx_cmd_eval(int argc, char **argv);
int hx_cmd_compare(int argc, char **argv);
int hx_cmd_baselines(int argc, char **argv);
#endif
