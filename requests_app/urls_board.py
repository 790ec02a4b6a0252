from django.urls import path

from requests_app.views import board

urlpatterns = [
    path("", board.board, name="board"),
    path("column/<str:stage>/", board.board_column, name="board-column"),
    path("issues/<int:pk>/move/", board.board_move, name="board-move"),
]
