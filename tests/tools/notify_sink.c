/* notify_sink.c - a test helper that plays systemd's side of sd_notify:
 * binds a unix datagram socket at argv[1], prints "bound" once it can
 * receive, then every datagram as one line (its newlines as "|"). It ends by
 * itself after argv[2] seconds without a datagram (default 60), so a failed
 * test never leaves it behind. Node has no unix datagram sockets. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    fprintf(stderr, "usage: zz_notify_sink SOCKET_PATH [IDLE_SECONDS]\n");
    return 2;
  }
  int idle_s = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 60;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
  unlink(argv[1]);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    perror("zz_notify_sink: bind");
    return 1;
  }
  printf("bound\n");
  fflush(stdout);
  char buf[4096];
  struct pollfd p = {.fd = fd, .events = POLLIN};
  while (poll(&p, 1, idle_s * 1000) > 0) {
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0) break;
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] == '\n') buf[i] = '|';
    buf[n] = 0;
    printf("%s\n", buf);
    fflush(stdout);
  }
  unlink(argv[1]);
  return 0;
}
