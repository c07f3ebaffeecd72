/* milter_main.c - mailproofd(8): read the configuration and keys, open the
 * milter socket, detach (unless -f), write the pidfile, drop privileges for
 * good (setgroups, setresgid, setresuid; root must not come back), start
 * DNS, then serve through libmilter. SIGHUP reloads configuration and keys
 * into a new generation without dropping connections.
 *
 * libmilter owns SIGHUP/SIGTERM/SIGINT: its signal thread sigwait()s for
 * them and stops on SIGHUP. mailproofd defines sigwait() itself (the
 * executable's definition wins for libmilter's call) so SIGHUP means
 * "reload" and only SIGTERM/SIGINT stop the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <mailproof/log.h>
#include <mailproof/status.h>
#include <mailproof/str.h>

#include "milter_conn.h"
#include "milter_internal.h"
#include "milter_prog.h"

#define DEFAULT_CONFIG "/etc/mailproof/mailproofd.conf"

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct milter_gen *current;
static const char *config_path = DEFAULT_CONFIG;

struct milter_gen *
milter_current(void)
{
	struct milter_gen *g;

	pthread_mutex_lock(&current_lock);
	g = current;
	milter_gen_ref(g);
	pthread_mutex_unlock(&current_lock);
	return g;
}

/* reload - SIGHUP: a new generation, or keep the old one and say why */
static void
reload(void)
{
	struct milter_gen *g, *old;
	struct mp_why why;

	mp_why_clear(&why);
	g = milter_gen_load(config_path, &why);
	if (g == NULL || milter_gen_start_dns(g, &why) != MP_OK) {
		milter_gen_unref(g);
		mp_log_error("reload failed, configuration unchanged: %s", why.text);
		return;
	}
	pthread_mutex_lock(&current_lock);
	old = current;
	current = g;
	pthread_mutex_unlock(&current_lock);
	milter_gen_unref(old);                  /* freed when its last connection closes */
	mp_log_info("configuration reloaded from %s", config_path);
}

/* sigwait - libmilter's signal thread calls this: SIGHUP reloads */
int
sigwait(const sigset_t *restrict set, int *restrict sig)
{
	int s;

	for (;;) {
		s = sigwaitinfo(set, NULL);
		if (s < 0 && errno == EINTR)
			continue;
		if (s < 0)
			return errno;
		if (s != SIGHUP)
			break;
		reload();
	}
	*sig = s;
	return 0;
}

/* log_syslog - mp_log handler for daemon mode */
static void
log_syslog(void *arg, enum mp_log_level lvl, const char *line)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR };

	(void)arg;
	syslog(prio[lvl], "%s", line);
}

/* log_none - Syslog no and not in the foreground */
static void
log_none(void *arg, enum mp_log_level lvl, const char *line)
{
	(void)arg, (void)lvl, (void)line;
}

/* usage - print usage and exit */
static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mailproofd [-f] [-n] [-c FILE]\n"
	    "  -c FILE  configuration (default " DEFAULT_CONFIG ")\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -n       check the configuration (and keys, maps) and exit\n");
	exit(status);
}

/* socket_path - the file of a unix:/local: socket, or NULL */
static const char *
socket_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	return NULL;
}

/* lookup_ids - UserID to uid/gid (exits on an unknown name) */
static void
lookup_ids(const struct milter_config *cfg, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(cfg->user);
	struct group *gr;

	if (pw == NULL)
		mp_fatal(2, "UserID: no such user: %s", cfg->user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (cfg->group) {
		if ((gr = getgrnam(cfg->group)) == NULL)
			mp_fatal(2, "UserID: no such group: %s", cfg->group);
		*gid = gr->gr_gid;
	}
}

/* open_socket - bind the milter socket; unix sockets get SocketMode and
 * the UserID's ownership so the MTA and the daemon can both reach it */
static void
open_socket(const struct milter_config *cfg, bool have_ids, uid_t uid, gid_t gid)
{
	const char *path = socket_path(cfg->socket);

	if (smfi_setconn((char *)cfg->socket) != MI_SUCCESS)
		mp_fatal(1, "cannot use socket %s", cfg->socket);
	if (smfi_settimeout((int)cfg->milter_timeout_s) != MI_SUCCESS ||
	    smfi_register(milter_desc) != MI_SUCCESS)
		mp_fatal(1, "libmilter refused the registration");
	if (smfi_opensocket(true) != MI_SUCCESS)
		mp_fatal(1, "cannot open socket %s", cfg->socket);
	if (path == NULL)
		return;
	if (cfg->socket_mode && chmod(path, cfg->socket_mode) != 0)
		mp_log_errno(MP_LOG_WARN, "chmod %s", path);
	if (have_ids && geteuid() == 0 && chown(path, uid, gid) != 0)
		mp_log_errno(MP_LOG_WARN, "chown %s", path);
}

/* detach - become a daemon (before any thread exists) */
static void
detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		mp_fatal(1, "fork failed");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		mp_fatal(1, "setsid failed");
	if (chdir("/") != 0)
		mp_fatal(1, "chdir / failed");
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* write_pidfile - our pid, one line */
static void
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0)
		mp_fatal(1, "cannot write pidfile %s", path);
}

/* drop_privileges - for good: groups, gid, uid; then prove root is gone */
static void
drop_privileges(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;

	if (getuid() == uid && geteuid() == uid)
		return;
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		mp_fatal(1, "cannot drop privileges to uid %ld", (long)uid);
	if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid)
		mp_panic("privileges not dropped");
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		mp_panic("root regained after dropping privileges");
}

/* setup_logging - stderr in the foreground, else syslog (or nothing) */
static void
setup_logging(const struct milter_config *cfg, bool foreground)
{
	mp_log_set_progname("mailproofd");
	if (foreground)
		return;
	if (cfg->syslog) {
		openlog("mailproofd", LOG_PID | LOG_NDELAY, cfg->log_facility);
		mp_log_set_handler(log_syslog, NULL);
	} else {
		mp_log_set_handler(log_none, NULL);
	}
}

int
main(int argc, char **argv)
{
	struct milter_gen *g;
	struct mp_why why;
	bool foreground = false, check_only = false, have_ids = false;
	uid_t uid = 0;
	gid_t gid = 0;
	int opt, rc;

	mp_log_set_progname("mailproofd");
	while ((opt = getopt(argc, argv, "c:fnh")) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'f': foreground = true; break;
		case 'n': check_only = true; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	mp_why_clear(&why);
	if ((g = milter_gen_load(config_path, &why)) == NULL)
		mp_fatal(2, "%s", why.text);
	if (check_only) {
		printf("%s: configuration OK: %zu keys, %zu sender map entries, %zu internal "
		    "networks, %zu DMARC overrides\n", config_path, g->cfg.nkeys, g->cfg.sendermap.n,
		    g->cfg.ninternal, g->cfg.noverrides);
		milter_gen_unref(g);
		return 0;
	}
	if (g->cfg.user) {
		lookup_ids(&g->cfg, &uid, &gid);
		have_ids = true;
	} else if (geteuid() == 0) {
		mp_log_warn("running as root: set UserID");
	}
	setup_logging(&g->cfg, foreground);
	open_socket(&g->cfg, have_ids, uid, gid);
	if (!foreground)
		detach();
	if (g->cfg.pidfile)
		write_pidfile(g->cfg.pidfile);
	if (have_ids)
		drop_privileges(uid, gid);
	if (milter_gen_start_dns(g, &why) != MP_OK)
		mp_fatal(1, "DNS: %s", why.text);
	current = g;
	mp_log_info("started on %s (authserv-id %s)", g->cfg.socket, g->cfg.authserv_id);
	rc = smfi_main();
	mp_log_info("stopping");
	pthread_mutex_lock(&current_lock);
	g = current;
	current = NULL;
	pthread_mutex_unlock(&current_lock);
	if (g->cfg.pidfile)
		unlink(g->cfg.pidfile);
	milter_gen_unref(g);
	return rc == MI_SUCCESS ? 0 : 1;
}
