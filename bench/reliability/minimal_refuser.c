/* The least work a server can do to refuse a connect: accept, write one line, close; one blocking thread, no
 * parsing, no allocation. viewer_abuse.py aims a storm at it, beside castd, to see what the same storm costs the
 * healthy viewers when almost nothing but the kernel's handshakes is left (the floor castd's refusal is held to).
 *   minimal_refuser PORT BACKLOG LINE     listens on 127.0.0.1:PORT, prints "ready" */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT BACKLOG LINE\n", argv[0]);
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, atoi(argv[2]))) {
        perror("listen");
        return 1;
    }
    size_t length = strlen(argv[3]);
    char *line = malloc(length + 1);
    memcpy(line, argv[3], length);
    line[length++] = '\n';
    puts("ready");
    fflush(stdout);
    for (;;) {
        int connection = accept(listener, NULL, NULL);
        if (connection < 0) {
            if (errno == EMFILE || errno == ENFILE) usleep(20000);
            continue;
        }
        send(connection, line, length, MSG_DONTWAIT | MSG_NOSIGNAL);
        close(connection);
    }
}
